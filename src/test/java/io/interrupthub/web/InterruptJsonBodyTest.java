package io.interrupthub.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /interrupt/{id}} with a JSON body, the way every client sends it, is read and answered by a path of
 * its own, without Spring's generic argument resolution and content negotiation (issue 24). These tests hold it to
 * the answers of the general path, which still takes every other content type: the same body sent as
 * {@code application/vnd.test+json} (read by the same strict converter through Spring MVC) must get the same
 * status, content type and body, refusals included, and a refused body must interrupt nothing.
 */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class InterruptJsonBodyTest {

    /** Members that differ between two interrupts of two devices by their nature, in JSON or YAML. */
    private static final Pattern VOLATILE = Pattern.compile(
            "(\"?)(epoch|startedAt|durationMs|timeToSilenceMs|instance|pausedAt|resumeBy)(\"?):\\s*(\"[^\"\\n]*\"|[0-9.eE+-]+)");

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Autowired
    private InterruptManager manager;

    /** A request: its body's bytes, the charset its content type names (or none), a query and an Accept. */
    record Case(String name, byte[] body, String charset, String query, String accept) {
        static Case of(String name, String body) {
            return new Case(name, body.getBytes(StandardCharsets.UTF_8), null, "", null);
        }

        static Case encoded(String name, String body, String charset) {
            return new Case(name, body.getBytes(Charset.forName(charset)), charset, "", null);
        }

        Case query(String query) {
            return new Case(name, body, charset, query, accept);
        }

        Case accept(String accept) {
            return new Case(name, body, charset, query, accept);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                Case.of("a reason", "{\"reason\": \"user_barge_in\"}"),
                Case.of("a reason and a source", "{\"reason\": \"vad\", \"source\": \"edge\"}"),
                Case.of("an empty object", "{}"),
                Case.of("no body", ""),
                Case.of("JSON null", "null"),
                Case.of("a member the contract does not name", "{\"reason\": \"x\", \"extra\": [1, 2]}"),
                Case.of("a byte order mark", "\uFEFF{\"reason\": \"bom\"}"),
                Case.of("tentative", "{\"tentative\": true, \"reason\": \"maybe\"}"),
                Case.of("tentative false", "{\"tentative\": false}"),
                Case.of("without waiting", "{\"reason\": \"x\"}").query("?wait=false"),
                Case.of("tentative by query", "{}").query("?tentative=true"),
                Case.encoded("UTF-16 with its mark", "{\"reason\": \"stoppe\"}", "UTF-16"),
                Case.encoded("UTF-16LE", "{\"reason\": \"stoppe\"}", "UTF-16LE"),
                Case.encoded("ISO-8859-1 beyond ASCII", "{\"reason\": \"arr\u00eat\"}", "ISO-8859-1"),
                Case.encoded("KOI8-R, Cyrillic", "{\"reason\": \"\u0441\u0442\u043e\u043f\"}", "KOI8-R"),
                Case.of("not well-formed", "{\"reason\": "),
                Case.of("trailing tokens", "{\"reason\": \"x\"} {}"),
                Case.of("a member twice", "{\"reason\": \"x\", \"reason\": \"y\"}"),
                Case.of("an unknown member twice", "{\"z\": 1, \"z\": 2}"),
                Case.of("a number for a string", "{\"reason\": 1}"),
                Case.of("a string for a boolean", "{\"tentative\": \"yes\"}"),
                Case.of("an array", "[]"),
                Case.of("a string", "\"stop\""),
                Case.of("only white space", "  \n "),
                Case.of("a control character", "{\"reason\": \"a\u0001b\"}"),
                Case.of("a reason too long", "{\"reason\": \"" + "r".repeat(300) + "\"}"),
                Case.of("a bad query flag", "{\"reason\": \"x\"}").query("?wait=maybe"),
                Case.of("a bad query flag given twice", "{}").query("?wait=maybe&wait=false"),
                Case.of("a bad query flag and a bad body", "{\"reason\": 1}").query("?wait=maybe"),
                Case.of("a JSON Accept", "{}").accept("application/json"),
                Case.of("any Accept", "{}").accept("*/*"),
                Case.of("an Accept the API cannot answer", "{}").accept("text/html"),
                Case.of("an Accept of YAML", "{}").accept("application/yaml"),
                Case.of("an Accept with a charset", "{}").accept("application/json;charset=UTF-8"),
                Case.of("an Accept with a preference", "{}").accept("application/xml, application/json;q=0.5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aJsonBodyIsAnsweredAsTheGeneralPathAnswersIt(Case request) throws Exception {
        Answer json = send(request, "application/json");
        Answer general = send(request, "application/vnd.test+json");

        assertThat(json.status).as("status").isEqualTo(general.status);
        assertThat(json.contentType).as("content type").isEqualTo(general.contentType);
        assertThat(json.body).as("body").isEqualTo(general.body);
        assertThat(json.epochAfter)
                .as("the device's epoch after the request (a refusal interrupts nothing)")
                .isEqualTo(general.epochAfter);
        if (json.status >= 400) {
            assertThat(json.epochAfter)
                    .as("a refused request (a 400, or a 406 for an Accept the API cannot answer) interrupts nothing")
                    .isZero();
        }
    }

    /** A flag given twice that does not convert is refused naming its values, not a Java array. */
    @Test
    void aBadFlagGivenTwiceIsRefusedNamingItsValues() throws Exception {
        for (String type : List.of("application/json", "application/vnd.test+json")) {
            HttpResponse<String> answer = HTTP.send(
                    post(Case.of("twice", "{}").query("?wait=maybe&wait=false"), type, ApiHttp.unique("twice")),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(type).isEqualTo(400);
            assertThat(ApiHttp.JSON.readTree(answer.body()).get("detail").stringValue())
                    .as(type)
                    .isEqualTo("Failed to convert 'wait' with value: 'maybe,false'");
        }
    }

    /**
     * An id that ends like a file name ({@code .exe}) keeps Spring's guard against reflected file downloads: the JSON
     * answer is marked {@code inline;filename=f.txt} on this path as on the general one, and an ordinary id is not.
     */
    @Test
    void anIdEndingLikeAFileNameKeepsTheDownloadGuard() throws Exception {
        for (String type : List.of("application/json", "application/vnd.test+json")) {
            HttpResponse<String> exe = HTTP.send(
                    post(Case.of("exe", "{}"), type, ApiHttp.unique("guard") + ".exe"),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> plain = HTTP.send(
                    post(Case.of("plain", "{}"), type, ApiHttp.unique("guard")), HttpResponse.BodyHandlers.ofString());

            assertThat(exe.statusCode()).as(type).isEqualTo(200);
            assertThat(exe.headers().firstValue("Content-Disposition")).as(type).hasValue("inline;filename=f.txt");
            assertThat(plain.headers().firstValue("Content-Disposition"))
                    .as(type)
                    .isEmpty();
        }
    }

    /** An id written with percent escapes names the device it decodes to, on this path as on the general one. */
    @Test
    void anIdWithPercentEscapesInterruptsTheDeviceItDecodesTo() throws Exception {
        for (String type : List.of("application/json", "application/vnd.test+json")) {
            String hardwareId = ApiHttp.unique("escaped");
            String escaped = hardwareId.replace("-", "%2D");
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/interrupt/" + escaped))
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build();
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());

            assertThat(escaped).as("the request's path is escaped").contains("%2D");
            assertThat(answer.statusCode()).as(type).isEqualTo(200);
            assertThat(ApiHttp.JSON.readTree(answer.body()).get("hardwareId").stringValue())
                    .as(type)
                    .isEqualTo(hardwareId);
            assertThat(manager.flagStatus(hardwareId).epoch()).as(type).isEqualTo(1);
        }
    }

    /** A client or proxy gets each answer whole, with its length, the 202 and a pause's answer included. */
    @Test
    void everyAnswerToAJsonBodyCarriesItsLength() throws Exception {
        for (Case request : List.of(
                Case.of("interrupt", "{}"),
                Case.of("no wait", "{}").query("?wait=false"),
                Case.of("pause", "{\"tentative\": true}"))) {
            HttpResponse<String> answer = HTTP.send(
                    post(request, "application/json", ApiHttp.unique("length")), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(request.name()).isIn(200, 202);
            assertThat(answer.headers().firstValue("Transfer-Encoding"))
                    .as(request.name())
                    .isEmpty();
            assertThat(answer.headers().firstValueAsLong("Content-Length"))
                    .as(request.name())
                    .hasValue(answer.body().getBytes(StandardCharsets.UTF_8).length);
        }
    }

    /**
     * Many clients at once, some sending bodies the API refuses: every good one interrupts its device once and is
     * answered with its own device's result, every bad one is a 400 that interrupts nothing.
     */
    @Test
    void concurrentJsonInterruptsEachGetTheirOwnAnswer() throws Exception {
        int clients = 64;
        String prefix = ApiHttp.unique("burst");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String hardwareId = prefix + "-" + i;
                boolean bad = i % 4 == 0;
                sent.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 5; round++) {
                        Case request = bad
                                ? Case.of("bad", "{\"reason\": " + round + "}")
                                : Case.of("good", "{\"reason\": \"r" + round + "\"}");
                        HttpResponse<String> answer = HTTP.send(
                                post(request, "application/json", hardwareId), HttpResponse.BodyHandlers.ofString());
                        JsonNode body = ApiHttp.JSON.readTree(answer.body());
                        if (bad && answer.statusCode() != 400) {
                            wrong.add(hardwareId + " answered " + answer.statusCode());
                        }
                        if (!bad
                                && (answer.statusCode() != 200
                                        || !hardwareId.equals(
                                                body.get("hardwareId").stringValue())
                                        || !("r" + round)
                                                .equals(body.get("reason").stringValue()))) {
                            wrong.add(hardwareId + " answered " + answer.statusCode() + " " + answer.body());
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(wrong).isEmpty();
        for (int i = 0; i < clients; i++) {
            assertThat(manager.flagStatus(prefix + "-" + i).epoch())
                    .as("device %d's epoch", i)
                    .isEqualTo(i % 4 == 0 ? 0 : 5);
        }
    }

    private record Answer(int status, String contentType, String body, long epochAfter) {}

    private Answer send(Case request, String type) throws Exception {
        String hardwareId = ApiHttp.unique("json-body");
        HttpResponse<String> answer = HTTP.send(post(request, type, hardwareId), HttpResponse.BodyHandlers.ofString());
        String body =
                VOLATILE.matcher(answer.body().replace(hardwareId, "DEVICE")).replaceAll("$1$2$3:~");
        return new Answer(
                answer.statusCode(),
                answer.headers().firstValue("Content-Type").orElse(null),
                body,
                manager.flagStatus(hardwareId).epoch());
    }

    private HttpRequest post(Case request, String type, String hardwareId) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", request.charset() == null ? type : type + ";charset=" + request.charset());
        if (request.accept() != null) {
            headers.put("Accept", request.accept());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/interrupt/" + hardwareId + request.query()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        headers.forEach(builder::header);
        return builder.build();
    }
}
