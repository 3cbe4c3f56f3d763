package io.interrupthub.web;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.SessionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request that accepts no answer the API can give ({@code Accept: text/html}) to an operation that changes state is
 * refused with 406 before anything is done: a client told 406 may fix its header and retry, and the retry must not
 * interrupt the device a second time (which would cut the next turn), open a second session or count twice. Each
 * case then sends the same request accepting JSON, which must do what the refused one did not, so a case cannot pass
 * on a request that was wrong for another reason.
 */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class UnacceptableAnswerChangesNothingTest {

    @Autowired
    private RestTestClient client;

    @Autowired
    private InterruptManager manager;

    /** An operation, the state it reads before and after, and how a request that ran would have changed it. */
    enum Operation {
        INTERRUPT_WITH_A_JSON_BODY(
                (m, hw) -> hw,
                "/interrupt/{id}",
                "{\"reason\": \"barge_in\"}",
                (m, hw) -> m.flagStatus(hw).epoch()),
        INTERRUPT_WITHOUT_A_BODY(
                (m, hw) -> hw,
                "/interrupt/{id}",
                null,
                (m, hw) -> m.flagStatus(hw).epoch()),
        PAUSE(
                (m, hw) -> hw,
                "/interrupt/{id}?tentative=true",
                null,
                (m, hw) -> m.currentPause(hw).isPresent()),
        RESUME(
                (m, hw) -> {
                    m.pause(hw);
                    return hw;
                },
                "/interrupt/{id}/resume",
                null,
                (m, hw) -> m.currentPause(hw).isPresent()),
        OPEN_A_SESSION(
                (m, hw) -> hw,
                "/sessions",
                "{\"hardwareId\": \"%s\", \"sessionId\": \"%<s-turn\"}",
                (m, hw) -> m.sessions(hw, 10).size()),
        HEARTBEAT(
                UnacceptableAnswerChangesNothingTest::openedLongEnoughAgoToTell,
                "/sessions/{id}/heartbeat",
                null,
                (m, id) -> info(m, id).lastHeartbeatAt()),
        DELIVERED(
                Operation::open,
                "/sessions/{id}/delivered",
                "{\"textChars\": 12, \"audioMs\": 480}",
                (m, id) -> info(m, id).delivered()),
        STOPPED(
                (m, hw) -> {
                    String id = open(m, hw);
                    m.interrupt(hw, "barge_in").join();
                    return id;
                },
                "/sessions/{id}/stopped",
                null,
                (m, id) -> info(m, id).stoppedAt()),
        COMMIT(
                Operation::open,
                "/sessions/{id}/commit",
                "{\"action\": \"send_email\"}",
                (m, id) -> info(m, id).commits()),
        SPEECH(
                (m, hw) -> {
                    open(m, hw);
                    return hw;
                },
                "/devices/{id}/speech",
                "{\"transcript\": \"I think that\", \"speechMs\": 610}",
                (m, hw) -> m.flagStatus(hw).epoch());

        final BiFunction<InterruptManager, String, String> prepare;
        final String path;
        final String body;
        final BiFunction<InterruptManager, String, Object> state;

        Operation(
                BiFunction<InterruptManager, String, String> prepare,
                String path,
                String body,
                BiFunction<InterruptManager, String, Object> state) {
            this.prepare = prepare;
            this.path = path;
            this.body = body;
            this.state = state;
        }

        /** Opens a session on the device and names it. */
        static String open(InterruptManager manager, String hardwareId) {
            return manager.openSession(hardwareId, null, null).sessionId();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Operation.class)
    void anOperationWhoseAnswerTheClientCannotAcceptIsRefusedBeforeItRuns(Operation operation) {
        String hardwareId = unique("accept");
        String target = operation.prepare.apply(manager, hardwareId);
        String body = operation.body == null ? null : operation.body.formatted(hardwareId);
        Object before = operation.state.apply(manager, target);

        EntityExchangeResult<byte[]> refused = send(operation, target, body, MediaType.TEXT_HTML);
        assertThat(refused.getStatus().value()).as("status").isEqualTo(406);
        assertThat(refused.getResponseHeaders().getContentType())
                .as("a problem detail, as every refusal")
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(text(refused)).contains("\"status\":406");
        assertThat(operation.state.apply(manager, target))
                .as("the state after the refused request")
                .isEqualTo(before);

        EntityExchangeResult<byte[]> done = send(operation, target, body, MediaType.APPLICATION_JSON);
        assertThat(done.getStatus().is2xxSuccessful())
                .as("the same request accepting JSON: %s %s", done.getStatus(), text(done))
                .isTrue();
        assertThat(operation.state.apply(manager, target))
                .as("the state after the request accepting JSON")
                .isNotEqualTo(before);
    }

    /** A POST added to the API later is held to it too: the enum above names today's. */
    @Test
    void everyPostOfTheApiNamesTheTypesOfItsAnswers(
            @Autowired @Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings) {
        List<String> posts = mappings.getHandlerMethods().entrySet().stream()
                .filter(e -> e.getValue().getBeanType().isAnnotationPresent(InterruptApi.class))
                .filter(e -> e.getKey().getMethodsCondition().getMethods().contains(RequestMethod.POST))
                .map(e -> e.getKey().getPatternValues() + " "
                        + e.getKey().getProducesCondition().getProducibleMediaTypes())
                .toList();
        assertThat(posts).hasSizeGreaterThanOrEqualTo(Operation.values().length - 2);
        assertThat(posts).allSatisfy(post -> assertThat(post).endsWith("[application/json, application/yaml]"));
    }

    private EntityExchangeResult<byte[]> send(Operation operation, String target, String body, MediaType accept) {
        RestTestClient.RequestBodySpec spec =
                client.method(HttpMethod.POST).uri(operation.path, target).accept(accept);
        RestTestClient.RequestHeadersSpec<?> ready = body == null
                ? spec
                : spec.contentType(MediaType.APPLICATION_JSON).body(body.getBytes(StandardCharsets.UTF_8));
        return ready.exchange().returnResult(byte[].class);
    }

    private static String text(EntityExchangeResult<byte[]> result) {
        byte[] bytes = result.getResponseBody();
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static SessionInfo info(InterruptManager manager, String sessionId) {
        return manager.session(sessionId).orElseThrow().info();
    }

    /** A session whose heartbeat, if one ran now, would carry a later time than its opening. */
    private static String openedLongEnoughAgoToTell(InterruptManager manager, String hardwareId) {
        String id = Operation.open(manager, hardwareId);
        Instant opened = info(manager, id).lastHeartbeatAt();
        await().atMost(5, TimeUnit.SECONDS).until(() -> Instant.now().isAfter(opened));
        return id;
    }
}
