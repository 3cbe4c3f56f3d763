package io.interrupthub.web;

import java.util.ArrayList;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code MAX_ACTIVE_SESSIONS} is a hard cap: the session beyond it is refused with 429, nothing is evicted. */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "MAX_ACTIVE_SESSIONS=2")
@AutoConfigureRestTestClient
@DirtiesContext
class SessionLimitApiTest {

    private static final String LIMIT_DETAIL = "2 sessions are open, the limit set by MAX_ACTIVE_SESSIONS";

    @Autowired
    private RestTestClient client;

    private ApiHttp http;
    private final List<String> opened = new ArrayList<>();

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
        assertThat(stats().get("sessions").get("active").intValue())
                .as("no session left over from another test")
                .isZero();
    }

    @AfterEach
    void endOpenedSessions() {
        for (String sessionId : opened) {
            assertThat(http.delete("/sessions/{id}", sessionId).status()).isIn(204, 404);
        }
    }

    @Test
    void thirdSessionIsRefusedWith429AndTheOpenOnesAreUntouched() {
        String a = unique("cap-a");
        String b = unique("cap-b");
        String s1 = open(a);
        String s2 = open(b);
        long rejectedBefore = stats().get("sessions").get("rejected").longValue();
        String refusedId = unique("refused");

        JsonNode problem = assertProblem(
                http.postJson(
                        "{\"hardwareId\": \"" + unique("cap-c") + "\", \"sessionId\": \"" + refusedId + "\"}",
                        "/sessions"),
                429,
                "Too Many Requests",
                "/sessions");

        assertThat(problem.get("detail").stringValue()).isEqualTo(LIMIT_DETAIL);
        assertProblem(http.get("/sessions/{id}", refusedId), 404, "Not Found", "/sessions/" + refusedId);
        for (String sessionId : List.of(s1, s2)) {
            JsonNode session = assertJson(http.get("/sessions/{id}", sessionId), 200);
            assertThat(session.get("state").stringValue()).as("nothing evicted").isEqualTo("ACTIVE");
        }
        assertThat(elements(assertJson(http.get("/sessions"), 200)))
                .extracting(s -> s.get("sessionId").stringValue())
                .containsExactlyInAnyOrder(s1, s2);
        JsonNode sessions = stats().get("sessions");
        assertThat(sessions.get("active").intValue()).isEqualTo(2);
        assertThat(sessions.get("maxActive").intValue()).isEqualTo(2);
        assertThat(sessions.get("rejected").longValue()).isEqualTo(rejectedBefore + 1);

        // a device that already has a session is refused as well
        JsonNode again = assertProblem(
                http.postJson("{\"hardwareId\": \"" + a + "\"}", "/sessions"), 429, "Too Many Requests", "/sessions");
        assertThat(again.get("detail").stringValue()).isEqualTo(LIMIT_DETAIL);
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", a), 200)))
                .hasSize(1);
    }

    @Test
    void interruptsOfTheOpenSessionsStillSucceedAtTheCap() {
        String a = unique("cap-interrupt-a");
        String b = unique("cap-interrupt-b");
        String s1 = open(a);
        String s2 = open(b);
        assertThat(http.postJson("{\"hardwareId\": \"" + unique("cap-c") + "\"}", "/sessions")
                        .status())
                .isEqualTo(429);

        for (String hw : List.of(a, b)) {
            JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);
            assertThat(result.get("hardwareId").stringValue()).isEqualTo(hw);
            assertThat(result.get("success").booleanValue()).isTrue();
            assertThat(result.get("sessionsInterrupted").intValue()).isEqualTo(1);
            assertThat(elements(result.get("modules")).get(0).get("outcome").stringValue())
                    .isEqualTo("OK");
        }
        for (String sessionId : List.of(s1, s2)) {
            assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                            .get("state")
                            .stringValue())
                    .isEqualTo("INTERRUPTED");
        }
        // interrupted sessions are no longer open, so they leave room under the cap
        assertThat(stats().get("sessions").get("active").intValue()).isZero();
        open(a);
    }

    @Test
    void endingOneSessionMakesRoomForAnother() {
        String s1 = open(unique("cap-end-a"));
        open(unique("cap-end-b"));
        String waiting = unique("cap-end-c");
        assertThat(http.postJson("{\"hardwareId\": \"" + waiting + "\"}", "/sessions")
                        .status())
                .isEqualTo(429);

        assertThat(http.delete("/sessions/{id}", s1).status()).isEqualTo(204);

        JsonNode session = assertJson(http.postJson("{\"hardwareId\": \"" + waiting + "\"}", "/sessions"), 201);
        opened.add(session.get("sessionId").stringValue());
        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(session.get("hardwareId").stringValue()).isEqualTo(waiting);
        assertThat(stats().get("sessions").get("active").intValue()).isEqualTo(2);
        JsonNode full = assertProblem(
                http.postJson("{\"hardwareId\": \"" + unique("cap-end-d") + "\"}", "/sessions"),
                429,
                "Too Many Requests",
                "/sessions");
        assertThat(full.get("detail").stringValue()).isEqualTo(LIMIT_DETAIL);
    }

    private String open(String hardwareId) {
        JsonNode session = assertJson(http.postJson("{\"hardwareId\": \"" + hardwareId + "\"}", "/sessions"), 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        return sessionId;
    }

    private JsonNode stats() {
        return assertJson(http.get("/interrupts/stats"), 200);
    }
}
