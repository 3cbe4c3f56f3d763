package io.interrupthub.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /devices/{hardwareId}/speech} through the real server: the decision, the rule and the policy in the
 * answer and done before it; a session that names a policy; bad input that changes nothing; the turn after an
 * interrupt in the history; the decisions and recoveries in the Prometheus scrape.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "interrupt.policies.kiosk.min-words=1",
            "interrupt.policies.kiosk.keywords.de=halt",
            "interrupt.recovery-deadline=1"
        })
@AutoConfigureRestTestClient
@AutoConfigureMetrics
class SpeechApiTest {

    @Autowired
    private RestTestClient client;

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

    private String open(String hardwareId, String policy) {
        String body = policy == null
                ? "{\"hardwareId\": \"" + hardwareId + "\"}"
                : "{\"hardwareId\": \"" + hardwareId + "\", \"policy\": \"" + policy + "\"}";
        String id = assertJson(http.postJson(body, "/sessions"), 201)
                .get("sessionId")
                .stringValue();
        opened.add(id);
        return id;
    }

    /** A sample of {@code name} with at least these labels (the service adds its own common ones) and a value of 1 or more. */
    private static String sample(String name, String... labels) {
        StringBuilder pattern = new StringBuilder("(?m)^" + name + "\\{");
        for (String label : labels) {
            pattern.append("(?=[^}]*")
                    .append(java.util.regex.Pattern.quote(label))
                    .append(")");
        }
        return pattern.append("[^}]*} [1-9]").toString();
    }

    private String scrape() {
        return client.get()
                .uri("/actuator/prometheus")
                .accept(MediaType.TEXT_PLAIN)
                .exchange()
                .returnResult(String.class)
                .getResponseBody();
    }

    private JsonNode speech(String hardwareId, String json) {
        return assertJson(http.postJson(json, "/devices/{id}/speech", hardwareId), 200);
    }

    @Test
    void aWordPausesTheDeviceAndThreeWordsInterruptItBeforeTheAnswer() {
        String hw = unique("speech");
        String sessionId = open(hw, null);

        JsonNode paused = speech(hw, "{\"transcript\": \"I\", \"speechMs\": 220, \"final\": false}");
        assertThat(paused.get("decision").stringValue()).isEqualTo("PAUSED");
        assertThat(paused.get("rule").stringValue()).isEqualTo("few-words");
        assertThat(paused.get("policy").stringValue()).isEqualTo("default");
        assertThat(paused.get("pause").get("sessionIds").get(0).stringValue()).isEqualTo(sessionId);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("PAUSED");

        JsonNode interrupted = speech(hw, "{\"transcript\": \"I think that\", \"speechMs\": 610}");
        assertThat(interrupted.get("decision").stringValue()).isEqualTo("INTERRUPTED");
        assertThat(interrupted.get("rule").stringValue()).isEqualTo("min-words");
        assertThat(interrupted.get("final").booleanValue()).isFalse();
        assertThat(interrupted.get("words").intValue()).isEqualTo(3);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("INTERRUPTED");
        assertThat(interrupted.toString()).doesNotContain("think"); // the user's words are not echoed or kept

        await().atMost(Duration.ofSeconds(5))
                .until(() -> elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200))
                                .size()
                        == 1);
        JsonNode entry = elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200))
                .get(0);
        assertThat(entry.get("source").stringValue()).isEqualTo("speech");
        assertThat(entry.get("followedPause").get("outcome").stringValue()).isEqualTo("confirmed");
    }

    @Test
    void aBackchannelIsIgnoredAndAnEmptyFinalResumesACough() {
        String hw = unique("speech");
        String sessionId = open(hw, null);

        assertThat(speech(hw, "{\"transcript\": \"uh-huh\", \"speechMs\": 300, \"final\": true}")
                        .get("decision")
                        .stringValue())
                .isEqualTo("IGNORED");
        assertThat(speech(hw, "{\"speechMs\": 200}").get("rule").stringValue()).isEqualTo("sound");
        JsonNode resumed = speech(hw, "{\"transcript\": \"\", \"speechMs\": 260, \"final\": true}");

        assertThat(resumed.get("decision").stringValue()).isEqualTo("RESUMED");
        assertThat(resumed.get("rule").stringValue()).isEqualTo("empty");
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("ACTIVE");
    }

    @Test
    void aSessionThatNamesAPolicyDecidesWithItAndAnUnknownOneIs400() {
        String hw = unique("speech");
        open(hw, "kiosk");

        JsonNode halt = speech(hw, "{\"transcript\": \"Halt!\", \"speechMs\": 180}");
        assertThat(halt.get("decision").stringValue()).isEqualTo("INTERRUPTED");
        assertThat(halt.get("rule").stringValue()).isEqualTo("keyword");
        assertThat(halt.get("policy").stringValue()).isEqualTo("kiosk");

        String other = unique("speech");
        assertProblem(
                http.postJson("{\"hardwareId\": \"" + other + "\", \"policy\": \"loud\"}", "/sessions"),
                400,
                "Bad Request",
                "/sessions");
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", other), 200)))
                .isEmpty();
    }

    @Test
    void speechOnADeviceWithNothingSpeakingIsIgnoredAsIdle() {
        JsonNode idle = speech(unique("speech"), "{\"transcript\": \"stop\", \"speechMs\": 200}");
        assertThat(idle.get("decision").stringValue()).isEqualTo("IGNORED");
        assertThat(idle.get("rule").stringValue()).isEqualTo("idle");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"speechMs\": \"abc\"}|speechMs must be a whole JSON number",
                "{\"speechMs\": 1.5}|speechMs must be a whole JSON number",
                "{\"final\": \"yes\"}|final must be true or false",
                "{\"transcript\": 7}|transcript must be a JSON string",
                "{\"speechMs\": -1}|speechMs must be between 0 and",
                "{\"transcript\": \"a\" \"b\"}|not well-formed JSON",
                "[1, 2]|the request body must be a JSON object"
            })
    void aBadBodyIs400NamingTheMemberAndChangesNothing(String body, String detail) {
        String hw = unique("speech");
        String sessionId = open(hw, null);

        ApiHttp.Reply reply = http.postJson(body, "/devices/{id}/speech", hw);

        assertProblem(reply, 400, "Bad Request", "/devices/" + hw + "/speech");
        assertThat(reply.json().get("detail").stringValue()).contains(detail);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("ACTIVE");
    }

    @Test
    void aTooLongTranscriptABadDeviceIdAndANonJsonBodyAreRefused() {
        String hw = unique("speech");
        String longText = "word ".repeat(500);
        assertProblem(
                http.postJson("{\"transcript\": \"" + longText + "\"}", "/devices/{id}/speech", hw),
                400,
                "Bad Request",
                "/devices/" + hw + "/speech");
        assertThat(http.postJson("{}", "/devices/{id}/speech", "bad id!").status())
                .isEqualTo(400);
        assertThat(http.send(HttpMethod.POST, MediaType.TEXT_PLAIN, "stop", "/devices/{id}/speech", hw)
                        .status())
                .isEqualTo(415);
        assertThat(http.post("/devices/{id}/speech", hw).status()).isEqualTo(400);
    }

    @Test
    void theTurnAfterAnInterruptIsInTheHistoryRecoveredOrMissed() {
        String recovered = unique("recovery");
        open(recovered, null);
        assertJson(http.post("/interrupt/{id}", recovered), 200);
        String next = open(recovered, null);
        assertJson(http.postJson("{\"textChars\": 12}", "/sessions/{id}/delivered", next), 200);

        JsonNode entry = elements(assertJson(http.get("/interrupts?hardwareId={id}", recovered), 200))
                .get(0);
        assertThat(entry.get("recovery").get("outcome").stringValue()).isEqualTo("RECOVERED");
        assertThat(entry.get("recovery").get("recoveredMs").doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(entry.get("recovery").get("sessionId").stringValue()).isEqualTo(next);

        String missed = unique("recovery");
        open(missed, null);
        assertJson(http.post("/interrupt/{id}", missed), 200);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                elements(assertJson(http.get("/interrupts?hardwareId={id}", missed), 200))
                                        .get(0)
                                        .get("recovery")
                                        .get("outcome")
                                        .stringValue())
                        .isEqualTo("MISSED"));

        String scrape = scrape();
        assertThat(scrape).containsPattern(sample("interrupt_recovery_total", "outcome=\"recovered\""));
        assertThat(scrape).containsPattern(sample("interrupt_recovery_total", "outcome=\"missed\""));
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_recovery_seconds histogram$");
        assertThat(scrape).containsPattern(sample("interrupt_recovery_seconds_bucket", "le=\"1.0\""));
    }

    @Test
    void everyDecisionIsCountedByDecisionRuleAndPolicy() {
        String hw = unique("speech");
        open(hw, null);
        speech(hw, "{\"transcript\": \"mm-hmm\", \"speechMs\": 300}");

        String scrape = scrape();
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_speech_decisions_total counter$");
        assertThat(scrape)
                .containsPattern(sample(
                        "interrupt_speech_decisions_total",
                        "decision=\"IGNORED\"",
                        "policy=\"default\"",
                        "rule=\"backchannel\""));
    }
}
