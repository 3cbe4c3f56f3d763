package io.interrupthub.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
import static io.interrupthub.web.ApiHttp.instant;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tentative interrupts through the real server: {@code "tentative": true} (or {@code ?tentative=true}) pauses,
 * {@code POST /interrupt/{id}/resume} resumes, a plain interrupt confirms, the SSE {@code pause} and
 * {@code resume} events, {@code GET /interrupts/pauses}, and bad input that changes nothing. The resume window
 * is short here (1.5 s) so that its end is seen without a long wait.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "interrupt.resume-window=1.5")
@AutoConfigureRestTestClient
class TentativeInterruptApiTest {

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

    @Test
    void aTentativeInterruptPausesTheSessionsAndKeepsTheEpoch() {
        String hw = unique("pause");
        String sessionId = open(hw);
        long epoch =
                assertJson(http.get("/interrupt/{id}", hw), 200).get("epoch").longValue();

        JsonNode paused = assertJson(
                http.postJson("{\"reason\": \"vad_speech_start\", \"tentative\": true}", "/interrupt/{id}", hw), 200);

        assertThat(paused.get("tentative").booleanValue()).isTrue();
        assertThat(paused.get("epoch").longValue()).isEqualTo(epoch);
        assertThat(paused.get("reason").stringValue()).isEqualTo("vad_speech_start");
        assertThat(elements(paused.get("sessionIds")))
                .extracting(JsonNode::stringValue)
                .containsExactly(sessionId);
        assertThat(Duration.between(instant(paused, "pausedAt"), instant(paused, "resumeBy")))
                .isEqualTo(Duration.ofMillis(1500));
        assertThat(paused.has("alreadyPaused")).isFalse();
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("PAUSED");
        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);
        assertThat(flag.get("interrupted").booleanValue()).isFalse();
        assertThat(flag.get("epoch").longValue()).isEqualTo(epoch);
        assertThat(elements(assertJson(http.get("/interrupts/pauses"), 200)))
                .anySatisfy(p -> assertThat(p.get("hardwareId").stringValue()).isEqualTo(hw));
    }

    @Test
    void theQueryParameterIsTheSameAsTheBodyMemberAndASecondPauseExtendsNothing() {
        String hw = unique("query");
        open(hw);

        JsonNode first = assertJson(http.post("/interrupt/{id}?tentative=true", hw), 200);
        JsonNode second = assertJson(http.postJson("{\"tentative\": true}", "/interrupt/{id}", hw), 200);

        assertThat(second.get("alreadyPaused").booleanValue()).isTrue();
        assertThat(second.get("resumeBy")).isEqualTo(first.get("resumeBy"));
        assertThat(second.get("pausedAt")).isEqualTo(first.get("pausedAt"));
    }

    @Test
    void aResumeWithinTheWindowGivesTheSessionsBackAndSaysHowLongTheyWereHeld() {
        String hw = unique("resume");
        String sessionId = open(hw);
        http.postJson("{\"tentative\": true}", "/interrupt/{id}", hw);

        JsonNode resumed = assertJson(http.post("/interrupt/{id}/resume", hw), 200);

        assertThat(resumed.get("outcome").stringValue()).isEqualTo("resumed");
        assertThat(resumed.get("pausedMs").doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(elements(resumed.get("sessionIds")))
                .extracting(JsonNode::stringValue)
                .containsExactly(sessionId);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("ACTIVE");
        assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200)))
                .isEmpty();
    }

    @Test
    void aRealInterruptConfirmsThePauseAndTheResultSaysItFollowedOne() {
        String hw = unique("confirm");
        String sessionId = open(hw);
        long epoch =
                assertJson(http.get("/interrupt/{id}", hw), 200).get("epoch").longValue();
        http.postJson("{\"tentative\": true}", "/interrupt/{id}", hw);

        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

        assertThat(result.get("epoch").longValue()).isEqualTo(epoch + 1);
        assertThat(result.get("sessionsInterrupted").intValue()).isEqualTo(1);
        assertThat(result.get("followedPause").get("outcome").stringValue()).isEqualTo("confirmed");
        assertThat(result.get("followedPause").get("pausedMs").doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("INTERRUPTED");
        assertProblem(http.post("/interrupt/{id}/resume", hw), 409, "Conflict", "/interrupt/" + hw + "/resume");
    }

    @Test
    void aResumeWithNothingPausedIs409AndChangesNothing() {
        String hw = unique("nothing");
        String sessionId = open(hw);
        JsonNode before = assertJson(http.get("/sessions/{id}", sessionId), 200);

        assertProblem(http.post("/interrupt/{id}/resume", hw), 409, "Conflict", "/interrupt/" + hw + "/resume");

        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)).isEqualTo(before);
        assertProblem(http.post("/interrupt/{id}/resume", "bad id"), 400, "Bad Request", "/interrupt/bad%20id/resume");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{\"tentative\": \"perhaps\"}", "{\"tentative\": [true]}", "{not json", "[1]"})
    void aMalformedTentativeInterruptIs400AndChangesNothing(String body) {
        String hw = unique("malformed");
        String sessionId = open(hw);
        JsonNode before = assertJson(http.get("/sessions/{id}", sessionId), 200);

        assertProblem(http.postJson(body, "/interrupt/{id}", hw), 400, "Bad Request", "/interrupt/" + hw);
        assertProblem(http.post("/interrupt/{id}?tentative=perhaps", hw), 400, "Bad Request", "/interrupt/" + hw);

        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)).isEqualTo(before);
        assertThat(elements(assertJson(http.get("/interrupts/pauses"), 200)))
                .noneSatisfy(p -> assertThat(p.get("hardwareId").stringValue()).isEqualTo(hw));
    }

    @Test
    void aSessionOpenedDuringThePauseIsBornPausedOnlyWhenItAsks() {
        String hw = unique("born");
        open(hw);
        http.postJson("{\"tentative\": true}", "/interrupt/{id}", hw);

        JsonNode asked =
                assertJson(http.postJson("{\"hardwareId\": \"" + hw + "\", \"paused\": true}", "/sessions"), 201);
        JsonNode notAsked = assertJson(http.postJson("{\"hardwareId\": \"" + hw + "\"}", "/sessions"), 201);
        opened.add(asked.get("sessionId").stringValue());
        opened.add(notAsked.get("sessionId").stringValue());

        assertThat(asked.get("state").stringValue()).isEqualTo("PAUSED");
        assertThat(notAsked.get("state").stringValue()).isEqualTo("ACTIVE");
    }

    @Test
    void theEventStreamTellsTheEdgeToHoldAndToPlayOnAndAnUndecidedPauseResumesAtTheWindowsEnd() throws Exception {
        String hw = unique("sse-pause");
        try (InterruptEventsApiTest.EventStream events = InterruptEventsApiTest.EventStream.open(port, hw, null)) {
            events.awaitConnected();
            String sessionId = open(hw);
            http.postJson("{\"reason\": \"cough\", \"tentative\": true}", "/interrupt/{id}", hw);

            JsonNode pause = events.awaitEvent(e -> e.is("pause", hw)).json();
            assertThat(pause.get("reason").stringValue()).isEqualTo("cough");
            assertThat(elements(pause.get("sessionIds")))
                    .extracting(JsonNode::stringValue)
                    .containsExactly(sessionId);

            // Nobody decides: the window (1.5 s) ends and the default expiry resumes.
            JsonNode resume = events.awaitEvent(e -> e.is("resume", hw)).json();
            assertThat(resume.get("outcome").stringValue()).isEqualTo("expired_resumed");
            assertThat(resume.get("pausedMs").doubleValue()).isGreaterThanOrEqualTo(1500.0);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> assertJson(http.get("/sessions/{id}", sessionId), 200)
                            .get("state")
                            .stringValue()
                            .equals("ACTIVE"));
        }
    }

    private String open(String hardwareId) {
        JsonNode session = assertJson(http.postJson("{\"hardwareId\": \"" + hardwareId + "\"}", "/sessions"), 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        return sessionId;
    }
}
