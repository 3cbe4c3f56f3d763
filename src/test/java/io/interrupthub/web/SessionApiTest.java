package io.interrupthub.web;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.instant;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /sessions} through the real server: open, list, look up, heartbeat, end, and how interrupts reach
 * sessions. The manager's clock is the test's, so time passes when a test moves it, not by sleeping.
 */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
@Import(SessionApiTest.TestTime.class)
class SessionApiTest {

    @TestConfiguration(proxyBeanMethods = false)
    static class TestTime {

        @Bean
        MutableClock interruptClock() {
            return new MutableClock(Instant.now());
        }
    }

    private static final Duration CLEANUP_DELAY = Duration.ofSeconds(2); // SESSION_CLEANUP_DELAY's default

    private static final String UUID_LIKE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(300);

    @Autowired
    private RestTestClient client;

    @Autowired
    private MutableClock clock;

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
            int status = http.delete("/sessions/{id}", sessionId).status();
            assertThat(status).isIn(204, 404);
        }
    }

    // ---- POST /sessions -------------------------------------------------------------------------------

    @Test
    void openAnswers201WithLocationAndTheSession() {
        String hw = unique("kitchen-speaker");
        long deviceEpoch = flagEpoch(hw);

        ApiHttp.Reply reply = http.postJson("{\"hardwareId\": \"" + hw + "\"}", "/sessions");

        JsonNode session = assertJson(reply, 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        assertThat(sessionId).matches(UUID_LIKE);
        assertThat(reply.headers().getFirst("Location")).isEqualTo("/sessions/" + sessionId);
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
        assertThat(session.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(session.get("epoch").isIntegralNumber()).isTrue();
        assertThat(session.get("epoch").longValue()).isEqualTo(deviceEpoch);
        Instant createdAt = instant(session, "createdAt");
        assertThat(createdAt).as("stamped by the manager's clock").isEqualTo(clock.instant());
        assertThat(instant(session, "lastHeartbeatAt")).isEqualTo(createdAt);
        assertThat(Duration.between(createdAt, instant(session, "expiresAt")))
                .as("SESSION_TIMEOUT default 300 s")
                .isEqualTo(SESSION_TIMEOUT);
        assertThat(session.has("interruptedAt")).isFalse();

        JsonNode fetched = assertJson(http.get("/sessions/{id}", sessionId), 200);
        assertThat(fetched).isEqualTo(session);
    }

    @Test
    void openWithTheCallersSessionId() {
        String hw = unique("caller-id");
        String sessionId = unique("Stream_1.a:b");

        ApiHttp.Reply reply = http.postJson(json(hw, sessionId), "/sessions");

        JsonNode session = assertJson(reply, 201);
        opened.add(sessionId);
        assertThat(session.get("sessionId").stringValue()).isEqualTo(sessionId);
        assertThat(session.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(reply.headers().getFirst("Location")).isEqualTo("/sessions/" + sessionId);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("sessionId")
                        .stringValue())
                .isEqualTo(sessionId);
    }

    @Test
    void duplicateSessionIdIs409AndTheFirstSessionIsUntouched() {
        String hw = unique("duplicate");
        String sessionId = unique("dup");
        JsonNode first = open(json(hw, sessionId));

        JsonNode problem = assertProblem(
                http.postJson(json(unique("other-device"), sessionId), "/sessions"), 409, "Conflict", "/sessions");

        assertThat(problem.get("detail").stringValue()).contains(sessionId);
        JsonNode still = assertJson(http.get("/sessions/{id}", sessionId), 200);
        assertThat(still.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(still.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(still.get("createdAt")).isEqualTo(first.get("createdAt"));
    }

    @ParameterizedTest(name = "[{index}] sessionId \"{0}\"")
    @ValueSource(strings = {"has space", ".dot", "-dash", "", "ünïcode", "slash/inside"})
    void badSessionIdIs400(String bad) {
        String hw = unique("bad-session-id");

        JsonNode problem = assertProblem(http.postJson(json(hw, bad), "/sessions"), 400, "Bad Request", "/sessions");

        assertThat(problem.get("detail").stringValue()).contains("sessionId");
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200)))
                .isEmpty();
    }

    @Test
    void sessionIdOf129CharactersIs400() {
        assertProblem(
                http.postJson(json(unique("long-session-id"), "s".repeat(129)), "/sessions"),
                400,
                "Bad Request",
                "/sessions");
    }

    @Test
    void missingOrBadHardwareIdIs400() {
        for (String body : List.of(
                "{}",
                "{\"sessionId\": \"" + unique("s") + "\"}",
                "{\"hardwareId\": null}",
                "{\"hardwareId\": \"\"}",
                "{\"hardwareId\": \"bad id\"}",
                "{\"hardwareId\": \"" + "h".repeat(129) + "\"}")) {
            JsonNode problem = assertProblem(http.postJson(body, "/sessions"), 400, "Bad Request", "/sessions");
            assertThat(problem.get("detail").stringValue()).as(body).contains("hardwareId");
        }
    }

    @Test
    void missingOrMalformedBodyIs400() {
        assertProblem(http.post("/sessions"), 400, "Bad Request", "/sessions");
        assertProblem(http.postJson("{\"hardwareId\": ", "/sessions"), 400, "Bad Request", "/sessions");
        assertProblem(http.postJson("null", "/sessions"), 400, "Bad Request", "/sessions");
        assertProblem(
                http.postJson("{\"hardwareId\": \"" + unique("x") + "\", \"epoch\": \"abc\"}", "/sessions"),
                400,
                "Bad Request",
                "/sessions");
    }

    @Test
    void negativeEpochIs400() {
        String hw = unique("negative-epoch");
        assertProblem(
                http.postJson("{\"hardwareId\": \"" + hw + "\", \"epoch\": -1}", "/sessions"),
                400,
                "Bad Request",
                "/sessions");
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200)))
                .isEmpty();
    }

    @Test
    void epochOlderThanTheDeviceIsBornInterrupted() {
        String hw = unique("stale");
        interrupt(hw);
        long current = interrupt(hw).get("epoch").longValue();

        ApiHttp.Reply reply =
                http.postJson("{\"hardwareId\": \"" + hw + "\", \"epoch\": " + (current - 1) + "}", "/sessions");

        JsonNode session = assertJson(reply, 201);
        String sessionId = session.get("sessionId").stringValue();
        opened.add(sessionId);
        assertThat(reply.headers().getFirst("Location")).isEqualTo("/sessions/" + sessionId);
        assertThat(session.get("state").stringValue()).isEqualTo("INTERRUPTED");
        assertThat(session.get("epoch").longValue()).isEqualTo(current - 1);
        assertThat(instant(session, "interruptedAt"))
                .as("stamped by the manager's clock")
                .isEqualTo(clock.instant());
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("INTERRUPTED");
    }

    @Test
    void epochEqualToTheDeviceIsActive() {
        String hw = unique("current-epoch");
        long current = interrupt(hw).get("epoch").longValue();

        JsonNode session = open("{\"hardwareId\": \"" + hw + "\", \"epoch\": " + current + "}");

        assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(session.get("epoch").longValue()).isEqualTo(current);
        assertThat(session.has("interruptedAt")).isFalse();
    }

    @Test
    void epochAheadOfTheDeviceIs409() {
        String hw = unique("future");
        long current = interrupt(hw).get("epoch").longValue();

        JsonNode problem = assertProblem(
                http.postJson("{\"hardwareId\": \"" + hw + "\", \"epoch\": " + (current + 1) + "}", "/sessions"),
                409,
                "Conflict",
                "/sessions");

        assertThat(problem.get("detail").stringValue()).contains("epoch");
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200)))
                .isEmpty();
    }

    @Test
    void openingASessionStartsANewTurnAndClearsTheFlag() {
        String hw = unique("new-turn");
        interrupt(hw);
        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isTrue();

        open("{\"hardwareId\": \"" + hw + "\"}");

        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);
        assertThat(flag.get("interrupted").booleanValue()).isFalse();
        assertThat(flag.has("setAt")).isFalse();
    }

    // ---- GET /sessions, GET /sessions/{id} ------------------------------------------------------------

    @Test
    void listFiltersByHardwareIdNewestFirstAndHonoursLimit() {
        String a = unique("list-a");
        String b = unique("list-b");
        String a1 = open("{\"hardwareId\": \"" + a + "\"}").get("sessionId").stringValue();
        clock.advance(Duration.ofMillis(5));
        String b1 = open("{\"hardwareId\": \"" + b + "\"}").get("sessionId").stringValue();
        clock.advance(Duration.ofMillis(5));
        String a2 = open("{\"hardwareId\": \"" + a + "\"}").get("sessionId").stringValue();

        List<JsonNode> ofA = elements(assertJson(http.get("/sessions?hardwareId={id}", a), 200));
        assertThat(ofA).extracting(s -> s.get("sessionId").stringValue()).containsExactly(a2, a1);
        assertThat(ofA).extracting(s -> s.get("hardwareId").stringValue()).containsOnly(a);
        assertThat(ofA).extracting(s -> s.get("state").stringValue()).containsOnly("ACTIVE");
        for (JsonNode s : ofA) {
            assertThat(fieldNames(s))
                    .containsExactlyInAnyOrder(
                            "sessionId",
                            "hardwareId",
                            "state",
                            "epoch",
                            "createdAt",
                            "lastHeartbeatAt",
                            "expiresAt",
                            "delivered");
        }

        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}&limit=1", a), 200)))
                .extracting(s -> s.get("sessionId").stringValue())
                .containsExactly(a2);

        List<JsonNode> all = elements(assertJson(http.get("/sessions"), 200));
        assertThat(all).extracting(s -> s.get("sessionId").stringValue()).contains(a1, a2, b1);
        assertThat(all.get(0).get("sessionId").stringValue()).as("newest first").isEqualTo(a2);
        assertThat(all).hasSizeLessThanOrEqualTo(100);

        List<JsonNode> newest = elements(assertJson(http.get("/sessions?limit=2"), 200));
        assertThat(newest).extracting(s -> s.get("sessionId").stringValue()).containsExactly(a2, b1);

        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}&limit=1000", b), 200)))
                .extracting(s -> s.get("sessionId").stringValue())
                .containsExactly(b1);
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", unique("nobody")), 200)))
                .isEmpty();
    }

    @ParameterizedTest(name = "[{index}] limit={0}")
    @ValueSource(strings = {"0", "1001", "abc", "-1", "1.5"})
    void badLimitIs400(String limit) {
        assertProblem(http.get("/sessions?limit={limit}", limit), 400, "Bad Request", "/sessions");
    }

    @Test
    void badHardwareIdFilterIs400() {
        JsonNode problem =
                assertProblem(http.get("/sessions?hardwareId={id}", "bad id"), 400, "Bad Request", "/sessions");
        assertThat(problem.get("detail").stringValue()).contains("hardwareId");
    }

    @Test
    void unknownSessionIs404() {
        String sessionId = unique("no-such-session");

        JsonNode problem =
                assertProblem(http.get("/sessions/{id}", sessionId), 404, "Not Found", "/sessions/" + sessionId);

        assertThat(problem.get("detail").stringValue()).contains(sessionId);
    }

    // ---- POST /sessions/{id}/heartbeat ----------------------------------------------------------------

    @Test
    void heartbeatMovesExpiresAtForward() {
        JsonNode session = open("{\"hardwareId\": \"" + unique("heartbeat") + "\"}");
        String sessionId = session.get("sessionId").stringValue();
        Instant expiresBefore = instant(session, "expiresAt");
        clock.advance(Duration.ofMillis(20));

        JsonNode beat = assertJson(http.post("/sessions/{id}/heartbeat", sessionId), 200);

        assertThat(fieldNames(beat))
                .containsExactlyInAnyOrder(
                        "sessionId",
                        "hardwareId",
                        "state",
                        "epoch",
                        "createdAt",
                        "lastHeartbeatAt",
                        "expiresAt",
                        "delivered");
        assertThat(beat.get("sessionId").stringValue()).isEqualTo(sessionId);
        assertThat(beat.get("state").stringValue()).isEqualTo("ACTIVE");
        assertThat(beat.get("createdAt")).isEqualTo(session.get("createdAt"));
        Instant heartbeatAt = instant(beat, "lastHeartbeatAt");
        Instant expiresAt = instant(beat, "expiresAt");
        assertThat(heartbeatAt).isAfter(instant(session, "lastHeartbeatAt"));
        assertThat(expiresAt).isAfterOrEqualTo(expiresBefore).isAfter(expiresBefore);
        assertThat(Duration.between(heartbeatAt, expiresAt)).isEqualTo(SESSION_TIMEOUT);

        JsonNode fetched = assertJson(http.get("/sessions/{id}", sessionId), 200);
        assertThat(instant(fetched, "expiresAt")).isEqualTo(expiresAt);
    }

    @Test
    void heartbeatOfAnUnknownSessionIs404() {
        String sessionId = unique("no-such-session");
        assertProblem(
                http.post("/sessions/{id}/heartbeat", sessionId),
                404,
                "Not Found",
                "/sessions/" + sessionId + "/heartbeat");
    }

    // ---- DELETE /sessions/{id} ------------------------------------------------------------------------

    @Test
    void deleteEndsTheSessionThenItIsGone() {
        String hw = unique("end");
        String sessionId =
                open("{\"hardwareId\": \"" + hw + "\"}").get("sessionId").stringValue();
        long activeBefore = stats().get("sessions").get("active").longValue();
        long endedBefore = stats().get("sessions").get("ended").longValue();

        ApiHttp.Reply reply = http.delete("/sessions/{id}", sessionId);

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
        assertProblem(http.get("/sessions/{id}", sessionId), 404, "Not Found", "/sessions/" + sessionId);
        assertProblem(http.delete("/sessions/{id}", sessionId), 404, "Not Found", "/sessions/" + sessionId);
        assertProblem(
                http.post("/sessions/{id}/heartbeat", sessionId),
                404,
                "Not Found",
                "/sessions/" + sessionId + "/heartbeat");
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200)))
                .isEmpty();
        JsonNode sessions = stats().get("sessions");
        assertThat(sessions.get("active").longValue()).isEqualTo(activeBefore - 1);
        assertThat(sessions.get("ended").longValue()).isEqualTo(endedBefore + 1);
    }

    @Test
    void deleteOfAnUnknownSessionIs404() {
        String sessionId = unique("never-opened");
        assertProblem(http.delete("/sessions/{id}", sessionId), 404, "Not Found", "/sessions/" + sessionId);
    }

    // ---- interrupts reaching sessions -----------------------------------------------------------------

    @Test
    void interruptMarksTheDevicesSessionInterrupted() {
        String hw = unique("barge-in");
        JsonNode session = open("{\"hardwareId\": \"" + hw + "\"}");
        String sessionId = session.get("sessionId").stringValue();
        String bystander = open("{\"hardwareId\": \"" + unique("bystander") + "\"}")
                .get("sessionId")
                .stringValue();

        JsonNode result = interrupt(hw);

        assertThat(result.get("sessionsInterrupted").intValue()).isEqualTo(1);
        assertThat(result.get("epoch").longValue())
                .isEqualTo(session.get("epoch").longValue() + 1);
        JsonNode interrupted = assertJson(http.get("/sessions/{id}", sessionId), 200);
        assertThat(fieldNames(interrupted))
                .containsExactlyInAnyOrder(
                        "sessionId",
                        "hardwareId",
                        "state",
                        "epoch",
                        "createdAt",
                        "lastHeartbeatAt",
                        "expiresAt",
                        "interruptedAt",
                        "delivered");
        assertThat(interrupted.get("state").stringValue()).isEqualTo("INTERRUPTED");
        assertThat(interrupted.get("epoch").longValue())
                .as("the session keeps its turn's epoch")
                .isEqualTo(session.get("epoch").longValue());
        assertThat(instant(interrupted, "interruptedAt"))
                .as("stamped by the manager's clock")
                .isEqualTo(clock.instant())
                .isAfterOrEqualTo(instant(session, "createdAt"));

        List<JsonNode> listed = elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200));
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("state").stringValue()).isEqualTo("INTERRUPTED");
        assertThat(listed.get(0).has("interruptedAt")).isTrue();

        assertThat(assertJson(http.get("/sessions/{id}", bystander), 200)
                        .get("state")
                        .stringValue())
                .as("another device's session")
                .isEqualTo("ACTIVE");

        JsonNode beat = assertJson(http.post("/sessions/{id}/heartbeat", sessionId), 200);
        assertThat(beat.get("state").stringValue())
                .as("a heartbeat does not revive it")
                .isEqualTo("INTERRUPTED");
    }

    @Test
    void interruptReachesEveryOpenSessionOfTheDeviceOnce() {
        String hw = unique("two-streams");
        String s1 = open("{\"hardwareId\": \"" + hw + "\"}").get("sessionId").stringValue();
        String s2 = open("{\"hardwareId\": \"" + hw + "\"}").get("sessionId").stringValue();
        long interruptedBefore = stats().get("sessions").get("interrupted").longValue();

        assertThat(interrupt(hw).get("sessionsInterrupted").intValue()).isEqualTo(2);
        assertThat(interrupt(hw).get("sessionsInterrupted").intValue())
                .as("already interrupted")
                .isZero();

        for (String sessionId : List.of(s1, s2)) {
            assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                            .get("state")
                            .stringValue())
                    .isEqualTo("INTERRUPTED");
        }
        assertThat(stats().get("sessions").get("interrupted").longValue()).isEqualTo(interruptedBefore + 2);
    }

    @Test
    void interruptedSessionIsRemovedAfterTheCleanupDelay() {
        String hw = unique("cleanup");
        String sessionId =
                open("{\"hardwareId\": \"" + hw + "\"}").get("sessionId").stringValue();
        interrupt(hw);
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200)
                        .get("state")
                        .stringValue())
                .isEqualTo("INTERRUPTED");

        clock.advance(CLEANUP_DELAY.minusMillis(1));
        assertThat(http.get("/sessions/{id}", sessionId).status())
                .as("still inside the cleanup delay")
                .isEqualTo(200);
        clock.advance(Duration.ofMillis(1));

        assertProblem(http.get("/sessions/{id}", sessionId), 404, "Not Found", "/sessions/" + sessionId);
        assertThat(elements(assertJson(http.get("/sessions?hardwareId={id}", hw), 200)))
                .isEmpty();
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private JsonNode open(String body) {
        JsonNode session = assertJson(http.postJson(body, "/sessions"), 201);
        opened.add(session.get("sessionId").stringValue());
        return session;
    }

    private JsonNode interrupt(String hw) {
        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);
        assertThat(result.get("success").booleanValue()).isTrue();
        return result;
    }

    private long flagEpoch(String hw) {
        return assertJson(http.get("/interrupt/{id}", hw), 200).get("epoch").longValue();
    }

    private JsonNode stats() {
        return assertJson(http.get("/interrupts/stats"), 200);
    }

    private static String json(String hardwareId, String sessionId) {
        return "{\"hardwareId\": \"" + hardwareId + "\", \"sessionId\": \"" + sessionId + "\"}";
    }
}
