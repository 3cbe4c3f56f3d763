package io.interrupthub.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What was heard, through the real server: {@code POST /sessions/{id}/delivered} records how far a
 * session's output reached the user, and {@code POST /interrupt/{hw}} reports it per session.
 */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class DeliveredApiTest {

    @Autowired
    private RestTestClient client;

    private ApiHttp http;
    private final List<String> opened = new ArrayList<>();

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
    }

    /** Sessions count against MAX_ACTIVE_SESSIONS in the shared context; end every one this test opened. */
    @AfterEach
    void endOpenedSessions() {
        for (String sessionId : opened) {
            assertThat(http.delete("/sessions/{id}", sessionId).status()).isIn(204, 404);
        }
    }

    @Test
    void reportingDeliveredAnswers200WithTheSessionAndItsOffsets() {
        String hw = unique("heard");
        String sessionId = open(hw);

        JsonNode session = assertJson(
                http.postJson("{\"textChars\": 42, \"audioMs\": 1500}", "/sessions/{id}/delivered", sessionId), 200);

        assertThat(fieldNames(session))
                .containsExactlyInAnyOrder(
                        "sessionId",
                        "hardwareId",
                        "state",
                        "epoch",
                        "createdAt",
                        "lastHeartbeatAt",
                        "expiresAt",
                        "delivered");
        assertThat(session.get("sessionId").stringValue()).isEqualTo(sessionId);
        assertThat(session.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        assertDelivered(session.get("delivered"), 42, 1500);
        assertDelivered(assertJson(http.get("/sessions/{id}", sessionId), 200).get("delivered"), 42, 1500);
    }

    @Test
    void aNewSessionShowsNothingDelivered() {
        String sessionId = open(unique("fresh"));

        assertDelivered(assertJson(http.get("/sessions/{id}", sessionId), 200).get("delivered"), 0, 0);
    }

    @Test
    void deliveredOffsetsOnlyGrow() {
        String sessionId = open(unique("grow"));

        http.postJson("{\"textChars\": 42, \"audioMs\": 1500}", "/sessions/{id}/delivered", sessionId);
        JsonNode late = assertJson(
                http.postJson("{\"textChars\": 10, \"audioMs\": 2000}", "/sessions/{id}/delivered", sessionId), 200);
        assertDelivered(late.get("delivered"), 42, 2000);

        JsonNode partial = assertJson(http.postJson("{\"audioMs\": 2500}", "/sessions/{id}/delivered", sessionId), 200);
        assertDelivered(partial.get("delivered"), 42, 2500);

        assertDelivered(assertJson(http.get("/sessions/{id}", sessionId), 200).get("delivered"), 42, 2500);
    }

    @Test
    void theInterruptResultReportsWhatEachSessionHadDelivered() {
        String hw = unique("barge-in-heard");
        String talking = open(hw);
        String silent = open(hw);
        String bystander = open(unique("bystander"));
        http.postJson("{\"textChars\": 120, \"audioMs\": 4000}", "/sessions/{id}/delivered", talking);
        http.postJson("{\"textChars\": 7, \"audioMs\": 7}", "/sessions/{id}/delivered", bystander);

        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

        assertThat(result.get("sessionsInterrupted").intValue()).isEqualTo(2);
        List<JsonNode> delivered = elements(result.get("delivered"));
        for (JsonNode entry : delivered) {
            assertThat(fieldNames(entry)).containsExactlyInAnyOrder("sessionId", "textChars", "audioMs");
            assertThat(entry.get("textChars").isIntegralNumber()).isTrue();
            assertThat(entry.get("audioMs").isIntegralNumber()).isTrue();
        }
        assertThat(bySession(delivered))
                .isEqualTo(new TreeMap<>(Map.of(
                        talking, List.of(120L, 4000L),
                        silent, List.of(0L, 0L))));

        JsonNode interrupted = assertJson(http.get("/sessions/{id}", talking), 200);
        assertThat(interrupted.get("state").stringValue()).isEqualTo("INTERRUPTED");
        assertDelivered(interrupted.get("delivered"), 120, 4000);
    }

    @Test
    void reportsAfterTheInterruptUpdateTheSessionButNotTheRecordedResult() {
        String hw = unique("after");
        String sessionId = open(hw);
        http.postJson("{\"textChars\": 50, \"audioMs\": 2000}", "/sessions/{id}/delivered", sessionId);
        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

        JsonNode after = assertJson(
                http.postJson("{\"textChars\": 80, \"audioMs\": 3000}", "/sessions/{id}/delivered", sessionId), 200);

        assertThat(after.get("state").stringValue()).isEqualTo("INTERRUPTED");
        assertDelivered(after.get("delivered"), 80, 3000);
        assertDelivered(assertJson(http.get("/sessions/{id}", sessionId), 200).get("delivered"), 80, 3000);
        List<JsonNode> history = elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200));
        assertThat(history).singleElement().satisfies(h -> {
            assertThat(h.get("epoch").longValue()).isEqualTo(result.get("epoch").longValue());
            assertThat(bySession(elements(h.get("delivered")))).isEqualTo(Map.of(sessionId, List.of(50L, 2000L)));
        });
    }

    @Test
    void anInterruptOfADeviceWithoutSessionsHasAnEmptyDeliveredList() {
        JsonNode result = assertJson(
                http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", unique("nobody-home")), 200);

        assertThat(elements(result.get("delivered"))).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "{\"textChars\": -1, \"audioMs\": 10}",
                "{\"textChars\": 10, \"audioMs\": -1}",
                "{\"textChars\": -5}"
            })
    void negativeOffsetsAre400AndChangeNothing(String body) {
        String sessionId = open(unique("negative"));
        http.postJson("{\"textChars\": 3, \"audioMs\": 30}", "/sessions/{id}/delivered", sessionId);

        JsonNode problem = assertProblem(
                http.postJson(body, "/sessions/{id}/delivered", sessionId),
                400,
                "Bad Request",
                "/sessions/" + sessionId + "/delivered");

        assertThat(problem.get("detail").stringValue()).contains("negative");
        assertDelivered(assertJson(http.get("/sessions/{id}", sessionId), 200).get("delivered"), 3, 30);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{not json", "{\"textChars\": \"many\"}", "[1, 2]"})
    void aMalformedBodyIs400(String body) {
        String sessionId = open(unique("malformed"));

        assertProblem(
                http.postJson(body, "/sessions/{id}/delivered", sessionId),
                400,
                "Bad Request",
                "/sessions/" + sessionId + "/delivered");
    }

    @Test
    void reportingForAnUnknownSessionIs404() {
        String sessionId = unique("no-such-session");

        JsonNode problem = assertProblem(
                http.postJson("{\"textChars\": 1, \"audioMs\": 1}", "/sessions/{id}/delivered", sessionId),
                404,
                "Not Found",
                "/sessions/" + sessionId + "/delivered");

        assertThat(problem.get("detail").stringValue()).contains(sessionId);
    }

    @Test
    void reportingForAnEndedSessionIs404() {
        String sessionId = open(unique("ended"));
        assertThat(http.delete("/sessions/{id}", sessionId).status()).isEqualTo(204);

        assertProblem(
                http.postJson("{\"textChars\": 1, \"audioMs\": 1}", "/sessions/{id}/delivered", sessionId),
                404,
                "Not Found",
                "/sessions/" + sessionId + "/delivered");
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private String open(String hardwareId) {
        JsonNode session = assertJson(http.postJson("{\"hardwareId\": \"" + hardwareId + "\"}", "/sessions"), 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        return sessionId;
    }

    private static void assertDelivered(JsonNode delivered, long textChars, long audioMs) {
        assertThat(delivered).as("delivered").isNotNull();
        assertThat(fieldNames(delivered)).containsExactlyInAnyOrder("textChars", "audioMs");
        assertThat(delivered.get("textChars").isIntegralNumber()).isTrue();
        assertThat(delivered.get("textChars").longValue())
                .as("textChars of %s", delivered)
                .isEqualTo(textChars);
        assertThat(delivered.get("audioMs").longValue())
                .as("audioMs of %s", delivered)
                .isEqualTo(audioMs);
    }

    private static Map<String, List<Long>> bySession(List<JsonNode> delivered) {
        Map<String, List<Long>> map = new TreeMap<>();
        for (JsonNode entry : delivered) {
            map.put(
                    entry.get("sessionId").stringValue(),
                    List.of(
                            entry.get("textChars").longValue(),
                            entry.get("audioMs").longValue()));
        }
        return map;
    }
}
