package io.interrupthub.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.instant;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stop receipts, silence and the point of no return through the real server: {@code POST /sessions/{id}/stopped},
 * {@code POST /sessions/{id}/commit}, the {@code silence} and {@code committed} members of interrupt results, the
 * SSE {@code silence} event and {@code GET /interrupts/flags}. The silence deadline is short here (600 ms), so
 * the missed case is seen without a long wait.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "interrupt.silence-deadline=0.6")
@AutoConfigureRestTestClient
class SilenceAndCommitApiTest {

    @Autowired
    private RestTestClient client;

    @LocalServerPort
    private int port;

    private ApiHttp http;
    private final List<String> opened = new ArrayList<>();

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
    }

    @AfterEach
    void endOpenedSessions() {
        for (String sessionId : opened) {
            assertThat(http.delete("/sessions/{id}", sessionId).status()).isIn(204, 404);
        }
    }

    // ---- stop receipts ------------------------------------------------------------------------------------

    @Test
    void aStopReceiptAnswersTheSessionWithStoppedAtAndARepeatAnswersTheSame() {
        String sessionId = open(unique("stop"));

        JsonNode first = assertJson(http.post("/sessions/{id}/stopped", sessionId), 200);
        JsonNode again = assertJson(http.postJson("{}", "/sessions/{id}/stopped", sessionId), 200);

        assertThat(first.get("state").stringValue())
                .as("allowed for an active session too")
                .isEqualTo("ACTIVE");
        assertThat(first.has("stoppedAt")).isTrue();
        assertThat(again).isEqualTo(first);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200).get("stoppedAt"))
                .isEqualTo(first.get("stoppedAt"));
    }

    @Test
    void finalOffsetsReplaceDeliveredAndTheInterruptResultShowsWhatWasHeard() {
        String hw = unique("heard");
        String sessionId = open(hw);
        http.postJson("{\"textChars\": 120, \"audioMs\": 4000}", "/sessions/{id}/delivered", sessionId);
        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);
        assertThat(result.get("silence").stringValue()).isEqualTo("PENDING");
        assertThat(elements(result.get("pendingSessions")))
                .extracting(JsonNode::stringValue)
                .containsExactly(sessionId);

        JsonNode session = assertJson(
                http.postJson("{\"textChars\": 80, \"audioMs\": 2500}", "/sessions/{id}/stopped", sessionId), 200);

        assertThat(session.get("delivered").get("textChars").longValue()).isEqualTo(80);
        assertThat(session.get("delivered").get("audioMs").longValue()).isEqualTo(2500);
        JsonNode recorded = elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200))
                .get(0);
        assertThat(recorded.get("silence").stringValue()).isEqualTo("CONFIRMED");
        assertThat(recorded.get("timeToSilenceMs").isNumber()).isTrue();
        assertThat(recorded.get("timeToSilenceMs").doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(recorded.has("pendingSessions")).isFalse();
        assertThat(elements(recorded.get("delivered"))).singleElement().satisfies(d -> {
            assertThat(d.get("textChars").longValue()).isEqualTo(80);
            assertThat(d.get("audioMs").longValue()).isEqualTo(2500);
        });
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "{\"textChars\": 121}",
                "{\"audioMs\": 4001}",
                "{\"textChars\": -1}",
                "{\"audioMs\": \"long\"}",
                "{\"textChars\": 1.5}",
                "{not json",
                "[1]"
            })
    void badStopReceiptsAre400AndChangeNothing(String body) {
        String sessionId = open(unique("bad-stop"));
        http.postJson("{\"textChars\": 120, \"audioMs\": 4000}", "/sessions/{id}/delivered", sessionId);
        JsonNode before = assertJson(http.get("/sessions/{id}", sessionId), 200);

        assertProblem(
                http.postJson(body, "/sessions/{id}/stopped", sessionId),
                400,
                "Bad Request",
                "/sessions/" + sessionId + "/stopped");

        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)).isEqualTo(before);
    }

    @Test
    void aRepeatedReceiptWithOtherOffsetsIs409AndChangesNothing() {
        String sessionId = open(unique("moved"));
        http.postJson("{\"textChars\": 120, \"audioMs\": 4000}", "/sessions/{id}/delivered", sessionId);
        JsonNode stopped = assertJson(
                http.postJson("{\"textChars\": 100, \"audioMs\": 3000}", "/sessions/{id}/stopped", sessionId), 200);

        assertProblem(
                http.postJson("{\"textChars\": 90, \"audioMs\": 3000}", "/sessions/{id}/stopped", sessionId),
                409,
                "Conflict",
                "/sessions/" + sessionId + "/stopped");
        assertProblem(
                http.postJson("{\"textChars\": 110}", "/sessions/{id}/delivered", sessionId),
                409,
                "Conflict",
                "/sessions/" + sessionId + "/delivered");

        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)).isEqualTo(stopped);
    }

    @Test
    void stopReceiptsForUnknownOrEndedSessionsAre404() {
        String ended = open(unique("ended"));
        assertThat(http.delete("/sessions/{id}", ended).status()).isEqualTo(204);

        for (String id : List.of(ended, unique("never"))) {
            assertProblem(http.post("/sessions/{id}/stopped", id), 404, "Not Found", "/sessions/" + id + "/stopped");
        }
    }

    @Test
    void withoutAReceiptTheSilenceIsMissedNamingTheSessionAndAnSseEventSaysSo() throws Exception {
        String hw = unique("stuck");
        try (InterruptEventsApiTest.EventStream events = InterruptEventsApiTest.EventStream.open(port, hw, null)) {
            events.awaitConnected();
            String sessionId = open(hw);
            JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

            InterruptEventsApiTest.SseEvent silence = events.awaitEvent(e -> e.is("silence", hw));

            JsonNode body = silence.json();
            assertThat(fieldNames(body)).isEqualTo(Set.of("hardwareId", "epoch", "silence", "pendingSessions"));
            assertThat(body.get("silence").stringValue()).isEqualTo("MISSED");
            assertThat(body.get("epoch").longValue())
                    .isEqualTo(result.get("epoch").longValue());
            assertThat(elements(body.get("pendingSessions")))
                    .extracting(JsonNode::stringValue)
                    .containsExactly(sessionId);
            JsonNode recorded = elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200))
                    .get(0);
            assertThat(recorded.get("silence").stringValue()).isEqualTo("MISSED");
            assertThat(elements(recorded.get("pendingSessions")))
                    .extracting(JsonNode::stringValue)
                    .containsExactly(sessionId);
        }
    }

    @Test
    void aConfirmedSilenceIsPushedWithItsTimeToSilence() throws Exception {
        String hw = unique("quiet");
        try (InterruptEventsApiTest.EventStream events = InterruptEventsApiTest.EventStream.open(port, hw, null)) {
            events.awaitConnected();
            String sessionId = open(hw);
            http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw);
            assertJson(http.post("/sessions/{id}/stopped", sessionId), 200);

            JsonNode body = events.awaitEvent(e -> e.is("silence", hw)).json();

            assertThat(body.get("silence").stringValue()).isEqualTo("CONFIRMED");
            assertThat(body.get("timeToSilenceMs").doubleValue()).isGreaterThanOrEqualTo(0.0);
            assertThat(body.has("pendingSessions")).isFalse();
        }
    }

    // ---- commits ------------------------------------------------------------------------------------------

    @Test
    void aCommitWhileActiveIs200AndTheLaterInterruptListsIt() {
        String hw = unique("commit");
        String sessionId = open(hw);

        JsonNode commit =
                assertJson(http.postJson("{\"action\": \"send_email\"}", "/sessions/{id}/commit", sessionId), 200);
        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

        assertThat(fieldNames(commit)).isEqualTo(Set.of("sessionId", "action", "epoch", "committedAt"));
        assertThat(commit.get("sessionId").stringValue()).isEqualTo(sessionId);
        assertThat(commit.get("action").stringValue()).isEqualTo("send_email");
        assertThat(commit.get("epoch").longValue())
                .isEqualTo(result.get("epoch").longValue() - 1);
        assertThat(elements(result.get("committed"))).singleElement().satisfies(c -> {
            assertThat(fieldNames(c)).isEqualTo(Set.of("sessionId", "action", "committedAt"));
            assertThat(c.get("sessionId").stringValue()).isEqualTo(sessionId);
            assertThat(c.get("action").stringValue()).isEqualTo("send_email");
            assertThat(instant(c, "committedAt")).isEqualTo(instant(commit, "committedAt"));
        });
        assertThat(elements(
                        assertJson(http.get("/sessions/{id}", sessionId), 200).get("commits")))
                .extracting(c -> c.get("action").stringValue())
                .containsExactly("send_email");
    }

    @Test
    void aCommitAfterAnInterruptIs409AndRecordsNothing() {
        String hw = unique("too-late");
        String sessionId = open(hw);
        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);
        assertThat(elements(result.get("committed"))).isEmpty();

        JsonNode problem = assertProblem(
                http.postJson("{\"action\": \"end_call\"}", "/sessions/{id}/commit", sessionId),
                409,
                "Conflict",
                "/sessions/" + sessionId + "/commit");

        assertThat(problem.get("detail").stringValue()).contains("interrupted");
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200).has("commits"))
                .isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "{}",
                "{\"action\": 42}",
                "{\"action\": \"\"}",
                "{\"action\": \"send email\"}",
                "{\"action\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
                "{not json"
            })
    void malformedCommitsAre400AndRecordNothing(String body) {
        String sessionId = open(unique("bad-commit"));

        assertProblem(
                http.postJson(body, "/sessions/{id}/commit", sessionId),
                400,
                "Bad Request",
                "/sessions/" + sessionId + "/commit");

        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200).has("commits"))
                .isFalse();
    }

    @Test
    void commitsOnUnknownOrEndedSessionsAre404() {
        String ended = open(unique("ended-commit"));
        assertThat(http.delete("/sessions/{id}", ended).status()).isEqualTo(204);

        for (String id : List.of(ended, unique("never"))) {
            assertProblem(
                    http.postJson("{\"action\": \"send_email\"}", "/sessions/{id}/commit", id),
                    404,
                    "Not Found",
                    "/sessions/" + id + "/commit");
        }
    }

    // ---- set flags ----------------------------------------------------------------------------------------

    @Test
    void setFlagsAreListedNewestFirstWithTheFieldsOfTheFlagLookup() {
        String older = unique("flag-old");
        String newer = unique("flag-new");
        http.postJson("{\"reason\": \"first\"}", "/interrupt/{id}", older);
        java.time.Instant olderSetAt = instant(assertJson(http.get("/interrupt/{id}", older), 200), "setAt");
        // Flags are ordered by the millisecond they were set: the second one must come a millisecond later.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> java.time.Instant.now().toEpochMilli() > olderSetAt.toEpochMilli());
        http.postJson("{\"reason\": \"second\"}", "/interrupt/{id}", newer);

        List<JsonNode> flags = elements(assertJson(http.get("/interrupts/flags?limit=1000"), 200));
        List<String> ours = flags.stream()
                .map(f -> f.get("hardwareId").stringValue())
                .filter(id -> id.equals(older) || id.equals(newer))
                .toList();

        assertThat(ours).containsExactly(newer, older);
        JsonNode flag = flags.stream()
                .filter(f -> f.get("hardwareId").stringValue().equals(newer))
                .findFirst()
                .orElseThrow();
        assertThat(flag).isEqualTo(assertJson(http.get("/interrupt/{id}", newer), 200));
        assertThat(elements(assertJson(http.get("/interrupts/flags?limit=1"), 200)))
                .hasSize(1);
    }

    @Test
    void aFlagThatWasResetIsNotListed() {
        String hw = unique("flag-reset");
        http.postJson("{\"reason\": \"x\"}", "/interrupt/{id}", hw);
        assertThat(http.delete("/interrupt/{id}", hw).status()).isEqualTo(204);

        assertThat(elements(assertJson(http.get("/interrupts/flags?limit=1000"), 200)))
                .noneMatch(f -> f.get("hardwareId").stringValue().equals(hw));
    }

    @ParameterizedTest(name = "[{index}] limit={0}")
    @ValueSource(strings = {"0", "1001", "many"})
    void aBadLimitIs400(String limit) {
        assertProblem(http.get("/interrupts/flags?limit={limit}", limit), 400, "Bad Request", "/interrupts/flags");
    }

    private String open(String hardwareId) {
        JsonNode session = assertJson(http.postJson("{\"hardwareId\": \"" + hardwareId + "\"}", "/sessions"), 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        return sessionId;
    }
}
