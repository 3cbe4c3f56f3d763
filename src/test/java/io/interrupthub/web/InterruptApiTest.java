package io.interrupthub.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.util.UriUtils;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.instant;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /interrupt/{hardwareId}}, {@code /interrupts}, {@code /interrupts/stats} and their errors, through the real server. */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class InterruptApiTest {

    private static final String LONGEST_ID = "a".repeat(128);

    static List<String> badHardwareIds() {
        return List.of(
                "has space", ".leading-dot", "-leading-dash", "café", "日本", "100%", "tab\there", "a".repeat(129));
    }

    @Autowired
    private RestTestClient client;

    @LocalServerPort
    private int port;

    private ApiHttp http;

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
    }

    // ---- POST /interrupt/{hardwareId} ----------------------------------------------------------------

    @Test
    void interruptWithBodyAnswersTheResultFieldByField() {
        String hw = unique("kitchen-speaker");
        long before = flagEpoch(hw);
        Instant sent = Instant.now();

        JsonNode result = assertJson(
                http.postJson("{\"reason\": \"user_barge_in\", \"source\": \"vad\"}", "/interrupt/{id}", hw), 200);

        assertThat(result.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(result.get("epoch").isIntegralNumber()).isTrue();
        assertThat(result.get("epoch").longValue()).isEqualTo(before + 1);
        assertThat(result.get("success").isBoolean()).isTrue();
        assertThat(result.get("success").booleanValue()).isTrue();
        assertThat(result.get("reason").stringValue()).isEqualTo("user_barge_in");
        assertThat(result.get("sessionsInterrupted").isIntegralNumber()).isTrue();
        assertThat(result.get("sessionsInterrupted").intValue()).isZero();
        assertThat(result.get("durationMs").isNumber()).isTrue();
        assertThat(result.get("durationMs").doubleValue())
                .isGreaterThanOrEqualTo(0.0)
                .isLessThan(5_000.0);
        assertSessionManagementOk(result);
        assertThat(fieldNames(result))
                .contains("hardwareId", "epoch", "success", "reason", "sessionsInterrupted", "durationMs", "modules");
        if (result.has("startedAt")) {
            assertThat(instant(result, "startedAt"))
                    .isBetween(sent.minusSeconds(1), Instant.now().plusSeconds(1));
        }
    }

    @Test
    void interruptWithoutBodyUsesReasonUnspecifiedAndEpochIncrementsPerCall() {
        String hw = unique("no-body");
        long before = flagEpoch(hw);

        JsonNode first = assertJson(http.post("/interrupt/{id}", hw), 200);
        JsonNode second = assertJson(http.post("/interrupt/{id}", hw), 200);
        JsonNode third = assertJson(http.postJson("{}", "/interrupt/{id}", hw), 200);

        assertThat(first.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(first.get("reason").stringValue()).isEqualTo("unspecified");
        assertThat(third.get("reason").stringValue()).as("empty JSON body").isEqualTo("unspecified");
        assertThat(first.get("epoch").longValue()).isEqualTo(before + 1);
        assertThat(second.get("epoch").longValue()).isEqualTo(before + 2);
        assertThat(third.get("epoch").longValue()).isEqualTo(before + 3);
        for (JsonNode result : List.of(first, second, third)) {
            assertThat(result.get("success").booleanValue()).isTrue();
            assertThat(result.get("sessionsInterrupted").intValue()).isZero();
            assertThat(result.get("durationMs").isNumber()).isTrue();
            assertSessionManagementOk(result);
        }
        assertThat(flagEpoch(hw)).isEqualTo(before + 3);
    }

    @Test
    void reasonOfExactly256CharactersIsAccepted() {
        String hw = unique("long-reason");
        String reason = "r".repeat(256);

        JsonNode result = assertJson(http.postJson("{\"reason\": \"" + reason + "\"}", "/interrupt/{id}", hw), 200);

        assertThat(result.get("reason").stringValue()).isEqualTo(reason);
    }

    @Test
    void hardwareIdOf128CharactersAndEveryAllowedSymbolIsAccepted() {
        assertThat(assertJson(http.post("/interrupt/{id}", LONGEST_ID), 200)
                        .get("hardwareId")
                        .stringValue())
                .isEqualTo(LONGEST_ID);
        String symbols = unique("Aa0._:-z");
        assertThat(assertJson(http.post("/interrupt/{id}", symbols), 200)
                        .get("hardwareId")
                        .stringValue())
                .isEqualTo(symbols);
    }

    @Test
    void waitFalseAnswers202WithHardwareIdAndEpochOnly() {
        String hw = unique("no-wait");
        long before = flagEpoch(hw);

        ApiHttp.Reply reply = http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}?wait=false", hw);

        JsonNode accepted = assertJson(reply, 202);
        assertThat(fieldNames(accepted)).containsExactlyInAnyOrder("hardwareId", "epoch");
        assertThat(accepted.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(accepted.get("epoch").isIntegralNumber()).isTrue();
        assertThat(accepted.get("epoch").longValue()).isEqualTo(before + 1);
        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);
        assertThat(flag.get("interrupted").booleanValue()).isTrue();
        assertThat(flag.get("epoch").longValue()).isEqualTo(before + 1);
    }

    // ---- GET /interrupt/{hardwareId} -----------------------------------------------------------------

    @Test
    void flagOfAnInterruptedDeviceShowsWhenItWasSetAndWhenItExpires() {
        String hw = unique("flag");
        JsonNode result = assertJson(http.post("/interrupt/{id}", hw), 200);
        Instant after = Instant.now();

        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);

        assertThat(fieldNames(flag))
                .containsExactlyInAnyOrder(
                        "hardwareId", "interrupted", "epoch", "setAt", "expiresAt", "checkIntervalMs");
        assertThat(flag.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(flag.get("interrupted").isBoolean()).isTrue();
        assertThat(flag.get("interrupted").booleanValue()).isTrue();
        assertThat(flag.get("epoch").longValue()).isEqualTo(result.get("epoch").longValue());
        Instant setAt = instant(flag, "setAt");
        Instant expiresAt = instant(flag, "expiresAt");
        assertThat(setAt).isBetween(after.minusSeconds(5), after.plusSeconds(1));
        assertThat(Duration.between(setAt, expiresAt))
                .as("INTERRUPT_TIMEOUT default 5.0 s")
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(flag.get("checkIntervalMs").isIntegralNumber()).isTrue();
        assertThat(flag.get("checkIntervalMs").longValue()).isEqualTo(100);
    }

    @Test
    void flagOfANeverSeenDeviceIsNotInterruptedAndHasNoTimes() {
        String hw = unique("never-seen");

        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);

        assertThat(fieldNames(flag)).containsExactlyInAnyOrder("hardwareId", "interrupted", "epoch", "checkIntervalMs");
        assertThat(flag.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(flag.get("interrupted").booleanValue()).isFalse();
        assertThat(flag.get("epoch").isIntegralNumber()).isTrue();
        assertThat(flag.get("epoch").longValue()).isGreaterThanOrEqualTo(0);
        assertThat(flag.get("checkIntervalMs").longValue()).isEqualTo(100);
    }

    // ---- DELETE /interrupt/{hardwareId} --------------------------------------------------------------

    @Test
    void deleteClearsTheFlagAndIsIdempotent() {
        String hw = unique("reset");
        long epoch =
                assertJson(http.post("/interrupt/{id}", hw), 200).get("epoch").longValue();
        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isTrue();

        ApiHttp.Reply first = http.delete("/interrupt/{id}", hw);
        assertThat(first.status()).isEqualTo(204);
        assertThat(first.body()).isEmpty();

        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);
        assertThat(flag.get("interrupted").booleanValue()).isFalse();
        assertThat(flag.get("epoch").longValue()).as("a reset keeps the epoch").isEqualTo(epoch);
        assertThat(flag.has("setAt")).isFalse();
        assertThat(flag.has("expiresAt")).isFalse();

        ApiHttp.Reply again = http.delete("/interrupt/{id}", hw);
        assertThat(again.status()).isEqualTo(204);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void deleteOfANeverSeenDeviceIs204() {
        String hw = unique("never-interrupted");

        ApiHttp.Reply reply = http.delete("/interrupt/{id}", hw);

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isFalse();
    }

    // ---- GET /interrupts ------------------------------------------------------------------------------

    @Test
    void historyIsNewestFirstAndFiltersByHardwareId() {
        String a = unique("history-a");
        String b = unique("history-b");
        interrupt(a, "r1");
        interrupt(b, "other");
        interrupt(a, "r2");
        interrupt(a, "r3");

        List<JsonNode> ofA = elements(assertJson(http.get("/interrupts?hardwareId={id}", a), 200));

        assertThat(ofA).hasSize(3);
        assertThat(ofA).extracting(n -> n.get("reason").stringValue()).containsExactly("r3", "r2", "r1");
        assertThat(ofA).extracting(n -> n.get("hardwareId").stringValue()).containsOnly(a);
        assertThat(ofA.get(0).get("epoch").longValue())
                .isGreaterThan(ofA.get(1).get("epoch").longValue());
        assertThat(ofA.get(1).get("epoch").longValue())
                .isGreaterThan(ofA.get(2).get("epoch").longValue());
        for (JsonNode entry : ofA) {
            assertThat(entry.get("success").booleanValue()).isTrue();
            assertThat(entry.get("sessionsInterrupted").intValue()).isZero();
            assertThat(entry.get("durationMs").isNumber()).isTrue();
            assertSessionManagementOk(entry);
        }

        List<JsonNode> all = elements(assertJson(http.get("/interrupts"), 200));
        assertThat(all).hasSizeGreaterThanOrEqualTo(4).hasSizeLessThanOrEqualTo(100);
        assertThat(all.get(0).get("hardwareId").stringValue()).isEqualTo(a);
        assertThat(all.get(0).get("reason").stringValue()).isEqualTo("r3");
        assertThat(all.get(3).get("hardwareId").stringValue()).isEqualTo(a);
        assertThat(all.get(3).get("reason").stringValue()).isEqualTo("r1");
        assertThat(all.get(2).get("hardwareId").stringValue()).isEqualTo(b);

        List<JsonNode> ofB = elements(assertJson(http.get("/interrupts?hardwareId={id}", b), 200));
        assertThat(ofB).extracting(n -> n.get("reason").stringValue()).containsExactly("other");
        assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}", unique("nobody")), 200)))
                .isEmpty();
    }

    @Test
    void historyLimitKeepsTheNewest() {
        String hw = unique("history-limit");
        interrupt(hw, "first");
        interrupt(hw, "second");
        interrupt(hw, "third");

        List<JsonNode> two = elements(assertJson(http.get("/interrupts?hardwareId={id}&limit=2", hw), 200));
        assertThat(two).extracting(n -> n.get("reason").stringValue()).containsExactly("third", "second");

        List<JsonNode> one = elements(assertJson(http.get("/interrupts?limit=1"), 200));
        assertThat(one).hasSize(1);
        assertThat(one.get(0).get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(one.get(0).get("reason").stringValue()).isEqualTo("third");

        assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}&limit=1000", hw), 200)))
                .hasSize(3);
    }

    @Test
    void historyLimitDefaultsTo100() {
        String hw = unique("history-default");
        for (int i = 0; i < 101; i++) {
            assertThat(http.post("/interrupt/{id}?wait=false", hw).status()).isEqualTo(202);
        }
        // the last fan-out may still be running; a waited interrupt comes after all of them
        interrupt(hw, "last");

        assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200)))
                .hasSize(100);
        assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}&limit=1000", hw), 200)))
                .hasSizeBetween(2, 102);
    }

    // ---- GET /interrupts/stats ------------------------------------------------------------------------

    @Test
    void statsCountAnInterruptAndDescribeModulesFlagsSessionsAndLatency() {
        JsonNode before = assertJson(http.get("/interrupts/stats"), 200);
        String hw = unique("stats");
        interrupt(hw, "stats");

        JsonNode stats = assertJson(http.get("/interrupts/stats"), 200);

        assertThat(fieldNames(stats))
                .containsExactlyInAnyOrder("enabled", "interrupts", "modules", "flags", "sessions", "latency");
        assertThat(stats.get("enabled").booleanValue()).isTrue();

        JsonNode interrupts = stats.get("interrupts");
        assertThat(fieldNames(interrupts))
                .containsExactlyInAnyOrder("total", "succeeded", "failed", "coalesced", "rejected");
        assertThat(interrupts.get("total").longValue())
                .isEqualTo(before.get("interrupts").get("total").longValue() + 1);
        assertThat(interrupts.get("succeeded").longValue())
                .isEqualTo(before.get("interrupts").get("succeeded").longValue() + 1);
        assertThat(interrupts.get("failed").longValue())
                .isEqualTo(before.get("interrupts").get("failed").longValue());
        assertThat(interrupts.get("total").longValue())
                .isEqualTo(interrupts.get("succeeded").longValue()
                        + interrupts.get("failed").longValue()
                        + interrupts.get("coalesced").longValue()
                        + interrupts.get("rejected").longValue());

        List<JsonNode> modules = elements(stats.get("modules"));
        assertThat(modules).isNotEmpty();
        JsonNode sessionManagement = modules.get(0);
        assertThat(sessionManagement.get("module").stringValue()).isEqualTo("session_management");
        assertThat(sessionManagement.get("enabled").booleanValue()).isTrue();
        assertThat(elements(sessionManagement.get("actions")))
                .extracting(JsonNode::stringValue)
                .containsExactly("interrupt_session");
        assertThat(sessionManagement.get("ok").longValue())
                .isEqualTo(elements(before.get("modules")).get(0).get("ok").longValue() + 1);
        assertThat(sessionManagement.get("failed").longValue()).isZero();
        assertThat(sessionManagement.get("timedOut").longValue()).isZero();

        JsonNode flags = stats.get("flags");
        assertThat(flags.get("active").longValue()).isGreaterThanOrEqualTo(1);
        assertThat(flags.get("devicesTracked").longValue()).isGreaterThanOrEqualTo(1);

        JsonNode sessions = stats.get("sessions");
        assertThat(sessions.get("maxActive").intValue())
                .as("MAX_ACTIVE_SESSIONS default")
                .isEqualTo(100);
        assertThat(fieldNames(sessions))
                .contains("active", "maxActive", "opened", "ended", "interrupted", "expired", "rejected");
        assertThat(sessions.get("active").intValue()).isBetween(0, 100);

        JsonNode latency = stats.get("latency");
        assertThat(latency.get("window").intValue()).isGreaterThanOrEqualTo(1);
        for (String field : List.of("meanMs", "p50Ms", "p99Ms", "maxMs")) {
            assertThat(latency.get(field).isNumber()).as(field).isTrue();
            assertThat(latency.get(field).doubleValue()).as(field).isGreaterThanOrEqualTo(0.0);
        }
        assertThat(latency.get("maxMs").doubleValue())
                .isGreaterThanOrEqualTo(latency.get("p99Ms").doubleValue());
        assertThat(latency.get("p99Ms").doubleValue())
                .isGreaterThanOrEqualTo(latency.get("p50Ms").doubleValue());
    }

    // ---- errors ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] hardwareId \"{0}\"")
    @MethodSource("badHardwareIds")
    void badHardwareIdIs400OnEveryInterruptCall(String bad) {
        // An encoded % or control character in a path is refused by the server itself (Jetty), before Spring: a
        // 400 problem of its own, which has no path to name.
        boolean refusedByServer = bad.chars().anyMatch(c -> c == '%' || Character.isISOControl(c));
        for (HttpMethod method : List.of(HttpMethod.POST, HttpMethod.GET, HttpMethod.DELETE)) {
            ApiHttp.Reply reply = http.send(method, null, null, "/interrupt/{id}", bad);
            if (refusedByServer) {
                assertThat(reply.status()).as("%s %s: %s", method, bad, reply).isEqualTo(400);
                assertThat(reply.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                        .as("%s %s: %s", method, bad, reply)
                        .isTrue();
                assertThat(reply.json().get("title").stringValue()).isEqualTo("Bad Request");
                continue;
            }
            JsonNode problem = assertProblem(reply, 400, "Bad Request", encodedPath("/interrupt/", bad));
            assertThat(problem.get("detail").stringValue())
                    .as("%s %s", method, bad)
                    .contains("hardwareId");
        }
        ApiHttp.Reply history = http.get("/interrupts?hardwareId={id}", bad);
        assertProblem(history, 400, "Bad Request", "/interrupts");
    }

    @Test
    void badHardwareIdChangesNothing() {
        JsonNode before = assertJson(http.get("/interrupts/stats"), 200);

        assertProblem(http.post("/interrupt/{id}", "bad id"), 400, "Bad Request", "/interrupt/bad%20id");

        JsonNode after = assertJson(http.get("/interrupts/stats"), 200);
        assertThat(after.get("interrupts").get("succeeded").longValue())
                .isEqualTo(before.get("interrupts").get("succeeded").longValue());
        assertThat(after.get("latency").get("window").intValue())
                .isEqualTo(before.get("latency").get("window").intValue());
    }

    @Test
    void malformedJsonBodyIs400() {
        String hw = unique("malformed");
        for (String body : List.of("{not json", "{\"reason\": ", "[1, 2]", "\"just a string\"", "{\"reason\": {}}")) {
            ApiHttp.Reply reply = http.postJson(body, "/interrupt/{id}", hw);
            assertProblem(reply, 400, "Bad Request", "/interrupt/" + hw);
        }
        JsonNode flag = assertJson(http.get("/interrupt/{id}", hw), 200);
        assertThat(flag.get("interrupted").booleanValue())
                .as("a refused request changes nothing")
                .isFalse();
    }

    @Test
    void reasonOrSourceLongerThan256CharactersIs400() {
        String hw = unique("too-long-reason");
        String tooLong = "r".repeat(257);

        JsonNode problem = assertProblem(
                http.postJson("{\"reason\": \"" + tooLong + "\"}", "/interrupt/{id}", hw),
                400,
                "Bad Request",
                "/interrupt/" + hw);
        assertThat(problem.get("detail").stringValue()).contains("reason");

        JsonNode source = assertProblem(
                http.postJson("{\"source\": \"" + tooLong + "\"}", "/interrupt/{id}", hw),
                400,
                "Bad Request",
                "/interrupt/" + hw);
        assertThat(source.get("detail").stringValue()).contains("source");

        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isFalse();
    }

    @Test
    void reasonWithControlCharactersIs400() {
        String hw = unique("control-reason");
        assertProblem(
                http.postJson("{\"reason\": \"bad\\u0000reason\"}", "/interrupt/{id}", hw),
                400,
                "Bad Request",
                "/interrupt/" + hw);
    }

    @ParameterizedTest(name = "[{index}] limit={0}")
    @ValueSource(strings = {"0", "1001", "abc", "-1", "1.5", "99999999999"})
    void badLimitIs400(String limit) {
        assertProblem(http.get("/interrupts?limit={limit}", limit), 400, "Bad Request", "/interrupts");
        assertProblem(
                http.get("/interrupts?hardwareId={id}&limit={limit}", unique("limit"), limit),
                400,
                "Bad Request",
                "/interrupts");
    }

    @Test
    void badWaitParameterIs400() {
        String hw = unique("bad-wait");
        assertProblem(http.post("/interrupt/{id}?wait=maybe", hw), 400, "Bad Request", "/interrupt/" + hw);
        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isFalse();
    }

    @Test
    void putOnAnInterruptIs405WithAllowHeader() {
        ApiHttp.Reply reply = http.send(HttpMethod.PUT, MediaType.APPLICATION_JSON, "{}", "/interrupt/x");

        assertProblem(reply, 405, "Method Not Allowed", "/interrupt/x");
        assertThat(reply.headers().getAllow())
                .contains(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE)
                .doesNotContain(HttpMethod.PUT);
    }

    @Test
    void patchOnSessionsIs405() {
        ApiHttp.Reply reply = http.send(HttpMethod.PATCH, MediaType.APPLICATION_JSON, "{}", "/sessions");

        assertProblem(reply, 405, "Method Not Allowed", "/sessions");
        assertThat(reply.headers().getAllow())
                .contains(HttpMethod.GET, HttpMethod.POST)
                .doesNotContain(HttpMethod.PATCH);
    }

    @Test
    void deleteOnStatsIs405() {
        assertProblem(http.delete("/interrupts/stats"), 405, "Method Not Allowed", "/interrupts/stats");
    }

    @Test
    void traceIs405Problem() {
        // Refused by the server itself (ConnectionCapHandler), outside Spring MVC's problem handling.
        assertProblem(
                http.send(HttpMethod.TRACE, null, null, "/interrupt/x"), 405, "Method Not Allowed", "/interrupt/x");
    }

    @Test
    void textPlainBodyIs415AndChangesNothing() {
        String hw = unique("text-plain");

        ApiHttp.Reply reply = http.send(HttpMethod.POST, MediaType.TEXT_PLAIN, "user_barge_in", "/interrupt/{id}", hw);

        assertProblem(reply, 415, "Unsupported Media Type", "/interrupt/" + hw);
        assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                        .get("interrupted")
                        .booleanValue())
                .isFalse();
    }

    @Test
    void unknownPathIs404Problem() {
        assertProblem(http.get("/no/such/thing"), 404, "Not Found", "/no/such/thing");
        assertProblem(http.post("/interrupts/nope"), 404, "Not Found", "/interrupts/nope");
    }

    @Test
    void errorPathIsAnUnknownPathNotA500() {
        // Boot's error page is reachable as a path; asked for directly it must not answer 500.
        assertProblem(http.get("/error"), 404, "Not Found", "/error");
        assertProblem(http.post("/error"), 404, "Not Found", "/error");
    }

    @ParameterizedTest(name = "[{index}] Accept: {0}")
    @ValueSource(strings = {"", "*/*", "application/json"})
    void errorsAreProblemJsonWhateverJsonClientAsks(String accept) throws Exception {
        // The JDK client sends exactly the headers given, so "" means no Accept header at all.
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/interrupt/bad%20id"))
                .GET();
        if (!accept.isEmpty()) {
            request.header("Accept", accept);
        }
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpHeaders headers = new HttpHeaders();
        response.headers().map().forEach(headers::addAll);

        assertProblem(
                new ApiHttp.Reply(response.statusCode(), headers, response.body()),
                400,
                "Bad Request",
                "/interrupt/bad%20id");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private long flagEpoch(String hw) {
        return assertJson(http.get("/interrupt/{id}", hw), 200).get("epoch").longValue();
    }

    private JsonNode interrupt(String hw, String reason) {
        JsonNode result = assertJson(http.postJson("{\"reason\": \"" + reason + "\"}", "/interrupt/{id}", hw), 200);
        assertThat(result.get("success").booleanValue()).isTrue();
        return result;
    }

    private static void assertSessionManagementOk(JsonNode result) {
        List<JsonNode> modules = elements(result.get("modules"));
        assertThat(modules).isNotEmpty();
        JsonNode first = modules.get(0);
        assertThat(first.get("module").stringValue()).isEqualTo("session_management");
        assertThat(first.get("outcome").stringValue()).isEqualTo("OK");
        assertThat(first.get("durationMs").isNumber()).isTrue();
        assertThat(first.get("durationMs").doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(first.has("error")).as("no error for an OK module").isFalse();
        for (JsonNode module : modules) {
            assertThat(module.get("outcome").stringValue()).isIn("OK", "FAILED", "TIMED_OUT", "DISABLED");
        }
    }

    /** The request path as the server sees it: the id percent-encoded, as a URI template variable is. */
    private static String encodedPath(String prefix, String id) {
        return prefix + UriUtils.encode(id, StandardCharsets.UTF_8);
    }
}
