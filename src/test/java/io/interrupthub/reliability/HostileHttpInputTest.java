package io.interrupthub.reliability;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.interrupthub.reliability.Http.Reply;
import io.interrupthub.reliability.Http.Request;
import io.interrupthub.web.SessionRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input over HTTP, against the real server on a random port: every endpoint with ids, bodies, methods,
 * content types, query values, headers and raw request bytes a client should not send. The cases are generated
 * as cartesian products (endpoint x method x content type x body mutation x id mutation ...), not picked by
 * hand, and each one's expected status is computed from the case by the layer that must refuse it: Jetty
 * (bytes it will not parse), Spring Security's firewall (traversal and ambiguous sequences), Spring MVC (method,
 * media type, body, parameter types), our strict body reader (types, duplicates) and the API itself (ids,
 * limits, epochs). Each refusal must be that status as a problem detail ({@link Http#assertProblem}: RFC 9457
 * members only, title = reason phrase, nothing internal in the body), and the service's state (statistics,
 * sessions, the fixture devices' epochs and flags, tracked devices) must be as it was: only the count of
 * refused interrupts may move, by one, and only for a refused {@code POST /interrupt/{id}}.
 */
@ReliabilityServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileHttpInputTest {

    private static final String FAMILY = "http-hostile-input";

    /** A session that is open for the whole run, and the device it belongs to. */
    static final String DEVICE = "hostile-fixture-device";

    static final String SESSION = "hostile-fixture-session";
    /** A device interrupted once before the run, so it has an epoch and a history entry. */
    static final String FLAGGED = "hostile-flagged-device";
    /** The device in the path of interrupt-body cases: a case that were accepted would interrupt it. */
    static final String TARGET = "hostile-target";

    private static final int MAX_BODY = 16 * 1024;

    @LocalServerPort
    private int port;

    private Http http;
    /** The state after the last case that passed; cases run one after another on this instance. */
    private JsonNode lastState;

    // ---- the cases ---------------------------------------------------------------------------------------------

    /** One hostile request, the statuses the case itself calls for, and the family it belongs to. */
    record Case(String family, Request request, Set<Integer> expected) {
        @Override
        public String toString() {
            return family + ": " + request + " -> " + expected;
        }
    }

    /** Where an id is free in a path, and who answers for a well-formed but unknown or invalid one. */
    enum IdEndpoint {
        INTERRUPT_POST("POST", "/interrupt/{id}", 400),
        INTERRUPT_GET("GET", "/interrupt/{id}", 400),
        INTERRUPT_DELETE("DELETE", "/interrupt/{id}", 400),
        SESSION_GET("GET", "/sessions/{id}", 404),
        SESSION_DELETE("DELETE", "/sessions/{id}", 404),
        HEARTBEAT("POST", "/sessions/{id}/heartbeat", 404),
        DELIVERED("POST", "/sessions/{id}/delivered", 404),
        STREAM("GET", "/sessions/{id}/stream", 404);

        final String method;
        final String template;
        /** The answer for an id that reaches the controller: a bad hardwareId is 400, an unknown session 404. */
        final int invalidId;

        IdEndpoint(String method, String template, int invalidId) {
            this.method = method;
            this.template = template;
            this.invalidId = invalidId;
        }

        boolean idIsLastSegment() {
            return template.endsWith("{id}");
        }

        Request request(String encodedId) {
            Request request = Request.of(method, template.replace("{id}", encodedId));
            return this == DELIVERED ? request.json("{}") : request;
        }
    }

    /** Every endpoint of the API with the methods it takes. */
    record Endpoint(String path, Set<String> methods) {}

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("/interrupt/" + TARGET, Set.of("POST", "GET", "DELETE")),
            new Endpoint("/interrupts", Set.of("GET")),
            new Endpoint("/interrupts/stats", Set.of("GET")),
            new Endpoint("/interrupts/events", Set.of("GET")),
            new Endpoint("/sessions", Set.of("GET", "POST")),
            new Endpoint("/sessions/" + SESSION, Set.of("GET", "DELETE")),
            new Endpoint("/sessions/" + SESSION + "/heartbeat", Set.of("POST")),
            new Endpoint("/sessions/" + SESSION + "/delivered", Set.of("POST")),
            new Endpoint("/sessions/" + SESSION + "/stream", Set.of("GET")));

    /** The three endpoints that read a JSON body, each with a valid body for cases that vary something else. */
    enum BodyEndpoint {
        OPEN("/sessions", "{\"hardwareId\":\"hostile-new\"}", true),
        INTERRUPT("/interrupt/" + TARGET, "{\"reason\":\"barge_in\"}", false),
        DELIVERED("/sessions/" + SESSION + "/delivered", "{\"textChars\":1,\"audioMs\":1}", true);

        final String path;
        final String validBody;
        /** {@code POST /interrupt/{id}} takes no body at all, or JSON {@code null}, as "no reason". */
        final boolean bodyRequired;

        BodyEndpoint(String path, String validBody, boolean bodyRequired) {
            this.path = path;
            this.validBody = validBody;
            this.bodyRequired = bodyRequired;
        }

        Request post(String body) {
            return Request.of("POST", path).json(body);
        }
    }

    // Ids (decoded) a client might put in a path or a body. None of them is a valid id.
    static List<String> badIds() {
        List<String> ids = new ArrayList<>();
        ids.add("a".repeat(129));
        ids.add("a".repeat(1_000));
        ids.add("a".repeat(10_000));
        for (String first : List.of("-", ".", "_", ":")) {
            ids.add(first + "abc");
        }
        for (char c : " !\"#$%&'()*+,/;<=>?@[\\]^`{|}~".toCharArray()) {
            ids.add("ab" + c + "cd");
        }
        // unicode: accented, CJK, emoji, right-to-left mark, zero-width space, fullwidth letter, combining accent,
        // no-break space, byte order mark, line and paragraph separators
        for (String u : List.of(
                "ü",
                "设备",
                "\uD83D\uDE00",
                "\u200F",
                "\u200B",
                "\uFF21",
                "e\u0301",
                "\u00A0",
                "\uFEFF",
                "\u2028",
                "\u2029")) {
            ids.add("dev" + u + "1");
        }
        // control characters
        for (String c : List.of("\u0000", "\u0001", "\t", "\n", "\r", "\u001B", "\u007F", "\u0085")) {
            ids.add("dev" + c + "1");
        }
        ids.add(" ");
        ids.add("..");
        ids.add(".");
        ids.add("../sessions");
        ids.add("..\\sessions");
        return ids;
    }

    /** Percent-encodes every byte of the UTF-8 form except RFC 3986's unreserved characters. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    /**
     * Whether a decoded path id is refused before any controller: Jetty refuses an encoded {@code /},
     * {@code \}, NUL or any other control character (ambiguous or illegal in a path); Spring Security's
     * firewall an encoded {@code %}, {@code ;}, U+2028, U+2029, and a path that is not normalized ({@code .} or
     * {@code ..} segments).
     */
    static boolean refusedBeforeController(String decodedId) {
        return decodedId.chars().anyMatch(c -> c < 0x20 || c == 0x7F || "/\\%;\u2028\u2029".indexOf(c) >= 0)
                || decodedId.equals(".")
                || decodedId.equals("..");
    }

    /** A request line longer than Jetty's 8 KB header buffer is refused by Jetty with 414 URI Too Long. */
    static boolean overLongRequestLine(String path) {
        return path.length() > 8_000;
    }

    static Stream<Case> pathIds() {
        List<Case> cases = new ArrayList<>();
        for (IdEndpoint endpoint : IdEndpoint.values()) {
            for (String id : badIds()) {
                String encoded = encode(id);
                Request request = endpoint.request(encoded);
                int expected = overLongRequestLine(request.path())
                        ? 414
                        : refusedBeforeController(id) ? 400 : endpoint.invalidId;
                cases.add(new Case("path id", request, Set.of(expected)));
            }
            // An empty id: as the last segment no route matches (404); in the middle it makes "//", which the
            // firewall refuses (400).
            cases.add(new Case("path id", endpoint.request(""), Set.of(endpoint.idIsLastSegment() ? 404 : 400)));
        }
        return cases.stream();
    }

    /**
     * Path segments sent exactly as written (a raw socket where the JDK client refuses the URI): traversal,
     * encoded traversal, broken percent-encoding, invalid UTF-8, raw bytes a request target may not contain.
     * Every one is refused before a controller, with 400.
     */
    static final List<String> RAW_SEGMENTS = List.of(
            "..",
            ".",
            "..%2F",
            "..%2f",
            "%2E%2E",
            "%2e%2e%2f",
            "..%5C",
            "..;",
            ";jsessionid=x",
            "a;b",
            "%2F",
            "a%2Fb",
            "%00",
            "a%00b",
            "..%00",
            "%c0%ae%c0%ae",
            "%c0%af",
            "%ff",
            "%e2%82",
            "%",
            "a%",
            "a%zz",
            "%%32%46",
            "..%252F",
            "a%25b",
            "a//b",
            "a/../b",
            "a/./b",
            "%0d%0aX:1",
            "%e2%80%a8",
            "a b",
            "a\"b",
            "a<b>",
            "a{b}",
            "a|b",
            "a^b",
            "a`b",
            "a\\b",
            "dev\u00e9",
            "a\u0001b",
            "a\u007fb");

    static Stream<Case> rawPathSegments() {
        List<Case> cases = new ArrayList<>();
        for (IdEndpoint endpoint : IdEndpoint.values()) {
            for (String segment : RAW_SEGMENTS) {
                cases.add(new Case("raw path segment", endpoint.request(segment), Set.of(400)));
            }
        }
        return cases.stream();
    }

    /** Bodies that are not JSON, or not one JSON value, on every endpoint that reads a body: 400. */
    static List<byte[]> malformedBodies() {
        List<String> texts = new ArrayList<>(List.of(
                "{",
                "}",
                "[",
                "]",
                "{\"hardwareId\":",
                "{\"hardwareId\":\"a\"",
                "{\"hardwareId\":\"a\",}",
                "{hardwareId:\"a\"}",
                "{'hardwareId':'a'}",
                "{\"a\" \"b\"}",
                "{\"a\":1 \"b\":2}",
                "{\"hardwareId\":\"a\"}}",
                "{\"hardwareId\":\"a\"} x",
                "{\"hardwareId\":\"a\"}{}",
                "{} []",
                "nul",
                "tru",
                "undefined",
                "{\"reason\":\"\\x41\"}",
                "{\"reason\":\"\\u12\"}",
                "{\"reason\":\"a",
                "/* c */ {}",
                "// c\n{}",
                "# c\n{}",
                "{\"epoch\":NaN}",
                "{\"epoch\":Infinity}",
                "{\"epoch\":-Infinity}",
                "{\"epoch\":01}",
                "{\"epoch\":+1}",
                "{\"epoch\":.5}",
                "{\"epoch\":1.}",
                "{\"epoch\":0x10}",
                "{\"epoch\":1e}",
                "{\"epoch\":--1}",
                "{\"reason\":\"a\u0001b\"}",
                "{\"reason\":\"a\nb\"}",
                "{\"a\":}",
                "{:1}",
                "{,}",
                "{\"a\"}",
                "<xml/>",
                "hardwareId=a",
                "\u0000",
                "{\"hardwareId\":\"a\"}\u0000"));
        texts.add("[".repeat(5_000) + "]".repeat(5_000));
        texts.add("{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000));
        texts.add("{\"epoch\":" + "9".repeat(2_000) + "}");
        texts.add("{\"textChars\":1" + "0".repeat(2_000) + "}");
        List<byte[]> bodies = new ArrayList<>(
                texts.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList());
        bodies.add(new byte[] {'{', '"', 'r', 'e', 'a', 's', 'o', 'n', '"', ':', '"', (byte) 0xC3, '"', '}'});
        bodies.add(new byte[] {'{', '"', (byte) 0xFF, (byte) 0xFE, '"', ':', '1', '}'});
        bodies.add(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '"'}); // UTF-16, cut off
        return bodies;
    }

    static Stream<Case> malformedJson() {
        List<Case> cases = new ArrayList<>();
        for (BodyEndpoint endpoint : BodyEndpoint.values()) {
            for (byte[] body : malformedBodies()) {
                cases.add(new Case(
                        "malformed JSON",
                        Request.of("POST", endpoint.path).body("application/json", body),
                        Set.of(400)));
            }
            if (endpoint.bodyRequired) {
                cases.add(new Case("malformed JSON", endpoint.post(""), Set.of(400)));
                cases.add(new Case("malformed JSON", endpoint.post("null"), Set.of(400)));
                cases.add(new Case("malformed JSON", endpoint.post("   "), Set.of(400)));
            }
        }
        return cases.stream();
    }

    /** What each body member is: text or a whole number. */
    enum FieldType {
        TEXT,
        WHOLE
    }

    static final Map<BodyEndpoint, Map<String, FieldType>> FIELDS = Map.of(
            BodyEndpoint.OPEN,
                    Map.of("hardwareId", FieldType.TEXT, "sessionId", FieldType.TEXT, "epoch", FieldType.WHOLE),
            BodyEndpoint.INTERRUPT, Map.of("reason", FieldType.TEXT, "source", FieldType.TEXT),
            BodyEndpoint.DELIVERED, Map.of("textChars", FieldType.WHOLE, "audioMs", FieldType.WHOLE));

    static final List<String> NOT_TEXT =
            List.of("123", "-1", "0", "1.5", "1e3", "true", "false", "[]", "[\"a\"]", "{}", "{\"a\":\"b\"}");
    static final List<String> NOT_WHOLE = List.of(
            "\"0\"",
            "\"5\"",
            "\"\"",
            "\" \"",
            "\"abc\"",
            "0.5",
            "-0.5",
            "1.0",
            "1e2",
            "1E0",
            "true",
            "false",
            "[]",
            "[1]",
            "{}",
            "{\"a\":1}",
            "99999999999999999999",
            "-99999999999999999999");

    /**
     * Every member of every body with every JSON type it is not. The other members are valid (or absent), so the
     * wrong type alone decides; the problem's detail must name the member.
     */
    static Stream<Case> wrongTypes() {
        List<Case> cases = new ArrayList<>();
        for (BodyEndpoint endpoint : BodyEndpoint.values()) {
            FIELDS.get(endpoint).forEach((field, type) -> {
                for (String value : type == FieldType.TEXT ? NOT_TEXT : NOT_WHOLE) {
                    Map<String, String> members = new LinkedHashMap<>();
                    if (endpoint == BodyEndpoint.OPEN && !field.equals("hardwareId")) {
                        members.put("hardwareId", "\"hostile-wrong-type\"");
                    }
                    members.put(field, value);
                    cases.add(new Case("wrong type of " + field, endpoint.post(object(members)), Set.of(400)));
                }
            });
        }
        return cases.stream();
    }

    static String object(Map<String, String> members) {
        StringBuilder out = new StringBuilder("{");
        members.forEach((k, v) -> out.append(out.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":")
                .append(v));
        return out.append('}').toString();
    }

    static String quoted(String text) {
        return Http.JSON.writeValueAsString(text);
    }

    /** Missing members, bad values in the right type, duplicate session ids, epochs ahead of the device. */
    static Stream<Case> badValues() {
        List<Case> cases = new ArrayList<>();
        BodyEndpoint open = BodyEndpoint.OPEN;
        for (String body : List.of(
                "{}",
                "{\"sessionId\":\"s-1\"}",
                "{\"epoch\":0}",
                "{\"hardwareId\":null}",
                "{\"hardwareId\":\"\"}",
                "{\"HardwareId\":\"hostile-case\"}",
                "{\"hardware_id\":\"hostile-case\"}",
                "[]",
                "[{\"hardwareId\":\"hostile-array\"}]",
                "\"hostile-string\"",
                "42",
                "true")) {
            cases.add(new Case("missing or bad member", open.post(body), Set.of(400)));
        }
        for (String id : badIds()) {
            cases.add(new Case("bad id in body", open.post("{\"hardwareId\":" + quoted(id) + "}"), Set.of(400)));
            cases.add(new Case(
                    "bad id in body",
                    open.post("{\"hardwareId\":\"hostile-ok\",\"sessionId\":" + quoted(id) + "}"),
                    Set.of(400)));
        }
        for (long epoch : new long[] {-1, -2, Long.MIN_VALUE}) {
            cases.add(new Case(
                    "bad epoch", open.post("{\"hardwareId\":\"hostile-neg\",\"epoch\":" + epoch + "}"), Set.of(400)));
        }
        // Ahead of the device's epoch: a conflict, on a new device (which must not be created) and on known ones.
        for (String hw : List.of("hostile-new-device", DEVICE, FLAGGED)) {
            for (long epoch : new long[] {1_000_000, Long.MAX_VALUE, 100}) {
                cases.add(new Case(
                        "epoch ahead",
                        open.post("{\"hardwareId\":\"" + hw + "\",\"epoch\":" + epoch + "}"),
                        Set.of(409)));
            }
        }
        // The fixture's session id again, from its own device and from others (new or known): 409.
        for (String hw : List.of(DEVICE, FLAGGED, "hostile-dup-new")) {
            cases.add(new Case(
                    "duplicate session id",
                    open.post("{\"hardwareId\":\"" + hw + "\",\"sessionId\":\"" + SESSION + "\"}"),
                    Set.of(409)));
            cases.add(new Case(
                    "duplicate session id",
                    open.post("{\"hardwareId\":\"" + hw + "\",\"sessionId\":\"" + SESSION + "\",\"epoch\":0}"),
                    Set.of(409)));
        }
        for (String field : List.of("reason", "source")) {
            for (String value : List.of(
                    "x".repeat(257),
                    "x".repeat(5_000),
                    "a\u0000b",
                    "a\nb",
                    "a\tb",
                    "a\u001Bb",
                    "a\u007Fb",
                    "a\u0085b")) {
                cases.add(new Case(
                        "bad " + field,
                        BodyEndpoint.INTERRUPT.post("{" + quoted(field) + ":" + quoted(value) + "}"),
                        Set.of(400)));
            }
        }
        for (String body : List.of(
                "{\"textChars\":-1}",
                "{\"audioMs\":-1}",
                "{\"textChars\":-1,\"audioMs\":-1}",
                "{\"textChars\":" + Long.MIN_VALUE + "}",
                "[]",
                "\"x\"",
                "7")) {
            cases.add(new Case("bad delivered offsets", BodyEndpoint.DELIVERED.post(body), Set.of(400)));
        }
        return cases.stream();
    }

    /** A member named twice, whatever the values: 400 (a gateway may read the first, Jackson the last). */
    static Stream<Case> duplicateMembers() {
        List<Case> cases = new ArrayList<>();
        for (BodyEndpoint endpoint : BodyEndpoint.values()) {
            List<String> fields = new ArrayList<>(FIELDS.get(endpoint).keySet());
            fields.add("unknownMember");
            for (String field : fields) {
                String value = FIELDS.get(endpoint).get(field) == FieldType.WHOLE ? "0" : "\"hostile-dup\"";
                String prefix = endpoint == BodyEndpoint.OPEN && !field.equals("hardwareId")
                        ? "\"hardwareId\":\"hostile-dup\","
                        : "";
                for (String second :
                        List.of(value, FIELDS.get(endpoint).get(field) == FieldType.WHOLE ? "1" : "\"other\"")) {
                    cases.add(new Case(
                            "duplicate member",
                            endpoint.post(
                                    "{" + prefix + "\"" + field + "\":" + value + ",\"" + field + "\":" + second + "}"),
                            Set.of(400)));
                }
            }
        }
        return cases.stream();
    }

    /** Bodies over the 16 KB limit, with Content-Length or chunked, on every endpoint and method: 413. */
    static Stream<Case> oversizedBodies() {
        List<Case> cases = new ArrayList<>();
        for (Endpoint endpoint : ENDPOINTS) {
            for (String method : endpoint.methods()) {
                for (int size : new int[] {MAX_BODY + 1, 64 * 1024, 1024 * 1024}) {
                    cases.add(new Case(
                            "oversized body",
                            Request.of(method, endpoint.path()).json(paddedJson(size)),
                            Set.of(413)));
                }
                cases.add(new Case(
                        "oversized body",
                        Request.of(method, endpoint.path())
                                .json(paddedJson(100))
                                .sentChunked(),
                        Set.of(413)));
                cases.add(new Case(
                        "oversized body",
                        Request.of(method, endpoint.path())
                                .json(paddedJson(MAX_BODY * 2))
                                .sentChunked(),
                        Set.of(413)));
            }
        }
        return cases.stream();
    }

    /** A valid JSON object of exactly {@code size} bytes. */
    static String paddedJson(int size) {
        String head = "{\"reason\":\"";
        return head + "x".repeat(Math.max(0, size - head.length() - 2)) + "\"}";
    }

    /**
     * Methods an endpoint does not take: 405 with Allow; TRACE is refused by the server itself (405); methods outside
     * the firewall's list (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS) by Spring Security's firewall (400).
     */
    static Stream<Case> wrongMethods() {
        Set<String> firewallAllows = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
        List<Case> cases = new ArrayList<>();
        for (Endpoint endpoint : ENDPOINTS) {
            for (String method :
                    List.of("GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "FOO", "PROPFIND", "get", "M-SEARCH")) {
                if (endpoint.methods().contains(method)) {
                    continue;
                }
                int expected = method.equals("TRACE") ? 405 : firewallAllows.contains(method) ? 405 : 400;
                Request request = Request.of(method, endpoint.path());
                if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
                    request = request.json("{}");
                }
                cases.add(new Case("wrong method", request, Set.of(expected)));
            }
        }
        return cases.stream();
    }

    /** Not JSON, a pattern, unparsable, or none at all, with a valid JSON body: 415. */
    static final List<String> CONTENT_TYPES = List.of(
            "text/plain",
            "text/html",
            "text/json",
            "text/xml",
            "application/xml",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
            "image/png",
            "application/javascript",
            "application/x-ndjson",
            "application/jsonx",
            "application/json-seq",
            "json",
            "application",
            "application/",
            "/json",
            "*/*",
            "application/*",
            "text/*",
            "*/json",
            ";charset=utf-8",
            "application/json; charset=",
            "application/json;\u0001",
            "application/\u0000json",
            "app lication/json");

    static Stream<Case> contentTypes() {
        List<Case> cases = new ArrayList<>();
        for (BodyEndpoint endpoint : BodyEndpoint.values()) {
            byte[] body = endpoint.validBody.getBytes(StandardCharsets.UTF_8);
            for (String type : CONTENT_TYPES) {
                // A control character makes the header itself invalid: Jetty refuses the request (400).
                int expected = type.chars().anyMatch(Character::isISOControl) ? 400 : 415;
                cases.add(new Case(
                        "content type", Request.of("POST", endpoint.path).body(type, body), Set.of(expected)));
            }
            cases.add(new Case("content type", Request.of("POST", endpoint.path).body(null, body), Set.of(415)));
        }
        return cases.stream();
    }

    /** {@code limit} out of range or not a number: 400; with and without a valid {@code hardwareId}. */
    static final List<String> BAD_LIMITS = List.of(
            "-1",
            "-100",
            "-2147483648",
            "0",
            "-0",
            "1001",
            "5000",
            "2147483647",
            "2147483648",
            "99999999999999999999",
            "-99999999999999999999",
            "abc",
            "1.5",
            "1e3",
            "1,2",
            "NaN",
            "Infinity",
            "null",
            "true",
            "%00",
            "1%00",
            "%2B%2B1",
            "--1",
            "1-",
            "%E2%80%8B1",
            "1%2C2",
            "1;2",
            "%FF");

    static Stream<Case> limits() {
        List<Case> cases = new ArrayList<>();
        for (String path : List.of("/sessions", "/interrupts")) {
            for (String filter : List.of("", "hardwareId=" + DEVICE + "&")) {
                for (String limit : BAD_LIMITS) {
                    String query = path + "?" + filter + "limit=" + limit;
                    // "%FF" is not UTF-8: Tomcat's parameter decoding drops it and Spring sees no value; it is in
                    // the list to show that nothing breaks, and it answers like a blank limit: the default.
                    if (limit.equals("%FF")) {
                        continue;
                    }
                    cases.add(new Case("limit", Request.of("GET", query), Set.of(400)));
                }
                cases.add(new Case("limit", Request.of("GET", path + "?" + filter + "limit=[1]"), Set.of(400)));
            }
        }
        return cases.stream();
    }

    /** Invalid {@code hardwareId} filters, {@code wait}, {@code rate} and {@code Last-Event-ID} values: 400. */
    static Stream<Case> queryAndHeaders() {
        List<Case> cases = new ArrayList<>();
        for (String path : List.of("/sessions", "/interrupts", "/interrupts/events")) {
            for (String id : badIds()) {
                String encoded = encode(id);
                if (id.isBlank() || id.equals(" ")) {
                    continue; // a blank filter is "no filter"
                }
                Request request = Request.of("GET", path + "?hardwareId=" + encoded);
                if (overLongRequestLine(request.path())) {
                    continue; // covered by the path-id family
                }
                cases.add(new Case("hardwareId filter", request, Set.of(400)));
            }
        }
        for (String wait : List.of("maybe", "2", "-1", "yess", "null", "%00")) {
            cases.add(new Case("wait", Request.of("POST", "/interrupt/" + TARGET + "?wait=" + wait), Set.of(400)));
        }
        for (String rate : List.of("0", "-1", "1001", "99999999999", "abc", "1.5")) {
            cases.add(
                    new Case("rate", Request.of("GET", "/sessions/" + SESSION + "/stream?rate=" + rate), Set.of(400)));
        }
        for (String accept : List.of("text/event-stream", "application/json")) {
            for (String id : List.of("-1", "abc", "1.5", "99999999999999999999", "0x10", "1 2", "-0x1")) {
                cases.add(new Case(
                        "Last-Event-ID",
                        Request.of("GET", "/interrupts/events")
                                .header("Accept", accept)
                                .header("Last-Event-ID", id),
                        Set.of(400)));
            }
        }
        return cases.stream();
    }

    /**
     * Requests the JDK client will not send, written byte for byte: broken request lines and headers, headers
     * over Jetty's 8 KB, bad Content-Length, CONNECT. Jetty refuses them before Spring, and must answer with a
     * problem detail, not its own page. Mostly 400; headers over the limit are 431 and a request target over it
     * 414 (RFC 6585 section 5, RFC 9110 section 15.5.15); {@code CONNECT} and a transfer coding Jetty does not know
     * are 400 (Tomcat, before Jetty, answered those 501; RFC 9112 section 6.1 allows either).
     */
    static Stream<Case> rawRequests() {
        List<Case> cases = new ArrayList<>();
        String big = "x".repeat(9_000);
        List<Object[]> raw = List.of(
                new Object[] {"GET /sessions HTTP/1.1\r\nX-Big: " + big + "\r\n", 431},
                new Object[] {"GET /sessions HTTP/1.1\r\n" + "X-Many: y\r\n".repeat(1_000), 431},
                new Object[] {"GET /sessions?" + "a=1&".repeat(3_000) + " HTTP/1.1\r\n", 414},
                new Object[] {"GET /sessions HTTP/1.1\r\nBad Header: x\r\n", 400},
                new Object[] {"GET /sessions HTTP/1.1\r\nBad\u0000Header: x\r\n", 400},
                new Object[] {"GET /sessions HTTP/1.1\r\nX-Nul: a\u0000b\r\n", 400},
                new Object[] {"GET /sessions HTTP/1.1\r\nNoColonHere\r\n", 400},
                new Object[] {"GET /sessions HTTP/1.1\r\n: empty-name\r\n", 400},
                new Object[] {
                    "POST /sessions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n", 400
                },
                new Object[] {"POST /sessions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: -1\r\n", 400
                },
                new Object[] {
                    "POST /sessions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                            + "Content-Length: 3\r\n",
                    400
                },
                new Object[] {
                    "POST /sessions HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n", 400
                },
                new Object[] {"GET /sessions HTTP/1.1\r\nHost: a\r\nHost: b\r\n", 400},
                new Object[] {"GET /ses\u0001sions HTTP/1.1\r\n", 400},
                new Object[] {"GET /sessions/a\u00e9 HTTP/1.1\r\n", 400},
                new Object[] {"GET /sessions/{x} HTTP/1.1\r\n", 400},
                new Object[] {"GET /sessions?limit=[1] HTTP/1.1\r\n", 400},
                new Object[] {"GET /sessions/" + "a".repeat(9_000) + " HTTP/1.1\r\n", 414},
                new Object[] {"GET sessions HTTP/1.1\r\n", 400},
                new Object[] {"CONNECT 127.0.0.1:1 HTTP/1.1\r\n", 400},
                new Object[] {"CONNECT /sessions HTTP/1.1\r\n", 400});
        for (Object[] r : raw) {
            String head = (String) r[0];
            cases.add(new Case("raw request", Request.of("RAW", head), Set.of((Integer) r[1])));
        }
        return cases.stream();
    }

    // ---- running one case --------------------------------------------------------------------------------------

    @BeforeAll
    void fixture() {
        http = new Http(port);
        Reply opened = http.send(Request.of("POST", "/sessions")
                .json("{\"hardwareId\":\"" + DEVICE + "\",\"sessionId\":\"" + SESSION + "\"}"));
        assertThat(opened.status()).as("fixture session: %s", opened).isEqualTo(201);
        Reply interrupted =
                http.send(Request.of("POST", "/interrupt/" + FLAGGED).json("{\"reason\":\"fixture\"}"));
        assertThat(interrupted.status())
                .as("fixture interrupt: %s", interrupted)
                .isEqualTo(200);
    }

    @AfterAll
    void report() {
        // The fixture outlived every case unchanged, then goes.
        Reply session = http.send(Request.of("GET", "/sessions/" + SESSION));
        assertThat(session.status()).isEqualTo(200);
        assertThat(session.json().get("state").asString()).isEqualTo("ACTIVE");
        http.send(Request.of("DELETE", "/sessions/" + SESSION));
        Tally.print(FAMILY);
    }

    static Stream<Case> allCases() {
        return Stream.of(
                        pathIds(),
                        rawPathSegments(),
                        malformedJson(),
                        wrongTypes(),
                        badValues(),
                        duplicateMembers(),
                        oversizedBodies(),
                        wrongMethods(),
                        contentTypes(),
                        limits(),
                        queryAndHeaders(),
                        rawRequests())
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("allCases")
    void everyHostileRequestIsTheRightProblemAndChangesNothing(Case c) {
        try {
            check(c);
        } catch (AssertionError e) {
            throw new AssertionError("[" + c.family() + "] " + e.getMessage(), e); // failures grouped by family
        }
    }

    private void check(Case c) {
        Tally.inc(FAMILY, "cases");
        Tally.inc(FAMILY, "family." + c.family().replaceAll("[^A-Za-z]+", "-"));
        JsonNode before = lastState != null ? lastState : state();
        lastState = null;
        Reply reply = send(c);
        JsonNode problem = Http.assertProblem(reply, c.expected(), c.request());
        if (c.family().startsWith("wrong type of ")) {
            String field = c.family().substring("wrong type of ".length());
            assertThat(problem.get("detail").asString())
                    .as("detail names the member: %s", reply)
                    .contains(field);
        }
        if (c.family().equals("duplicate member") && !c.request().toString().contains("unknownMember")) {
            assertThat(problem.get("detail").asString())
                    .as("detail says why: %s", reply)
                    .contains("more than once");
        }
        JsonNode after = state();
        boolean refusedInterrupt =
                c.request().method().equals("POST") && c.request().path().startsWith("/interrupt/");
        assertUnchanged(before, after, refusedInterrupt, c);
        lastState = after; // the next case starts from here; after a failure it reads the state afresh
        Tally.inc(FAMILY, "passed");
        Tally.inc(FAMILY, "status." + reply.status());
    }

    /**
     * The strict reading is the API's own: the application's mapper (the one an embedding service uses for
     * its own endpoints) still reads JSON as it always did, coercion and last-member-wins included.
     */
    @Test
    void theApplicationsOwnMapperIsLeftAsItWas(@Autowired JsonMapper applicationMapper) {
        SessionRequest coerced =
                applicationMapper.readValue("{\"hardwareId\":123,\"epoch\":\"5\"}", SessionRequest.class);
        assertThat(coerced.hardwareId()).isEqualTo("123");
        assertThat(coerced.epoch()).isEqualTo(5L);
        SessionRequest twice =
                applicationMapper.readValue("{\"hardwareId\":\"a\",\"hardwareId\":\"b\"}", SessionRequest.class);
        assertThat(twice.hardwareId()).isEqualTo("b");

        Reply refused = http.send(Request.of("POST", "/sessions").json("{\"hardwareId\":123}"));
        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
    }

    private Reply send(Case c) {
        Request request = c.request();
        if (c.family().equals("raw path segment")) {
            return http.raw(request); // byte for byte: the JDK client would percent-encode what it can
        }
        if (request.method().equals("RAW")) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            String head = request.path() + "Host: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
                    + "Accept: application/json, application/problem+json\r\n\r\n";
            byte[] written = head.getBytes(StandardCharsets.UTF_8);
            bytes.write(written, 0, written.length);
            return http.rawBytes(bytes.toByteArray(), Http.printable(request.path(), 80));
        }
        return http.send(request);
    }

    /**
     * What a refused request must not change: statistics (tracked devices included; not the live-flag count,
     * which would fall by itself if a flag expired), every listed session, the interrupt history, and the
     * flagged fixture device's flag.
     */
    private JsonNode state() {
        ObjectNode state = Http.JSON.createObjectNode();
        JsonNode stats = get("/interrupts/stats");
        ((ObjectNode) stats.get("flags")).remove("active");
        state.set("stats", stats);
        state.set("sessions", get("/sessions?limit=1000"));
        state.set("history", get("/interrupts?limit=1000"));
        // Epochs of every device show in the totals and the history; a flag reset only here.
        state.set(FLAGGED, get("/interrupt/" + FLAGGED));
        return state;
    }

    private JsonNode get(String path) {
        Reply reply = http.send(Request.of("GET", path));
        assertThat(reply.status()).as("GET %s: %s", path, reply).isEqualTo(200);
        return reply.json();
    }

    private static void assertUnchanged(JsonNode before, JsonNode after, boolean refusedInterrupt, Case c) {
        ObjectNode expected = (ObjectNode) before.deepCopy();
        if (refusedInterrupt) {
            // A refused interrupt is counted as refused (and so in the total), and that is all it may change.
            JsonNode counted = after.get("stats").get("interrupts");
            long more = counted.get("rejected").longValue()
                    - before.get("stats").get("interrupts").get("rejected").longValue();
            assertThat(more)
                    .as("refused interrupts counted at most once: %s", c)
                    .isBetween(0L, 1L);
            assertThat(counted.get("total").longValue()
                            - before.get("stats").get("interrupts").get("total").longValue())
                    .as("total moves with the refusals only: %s", c)
                    .isEqualTo(more);
            ObjectNode interrupts = (ObjectNode) expected.get("stats").get("interrupts");
            interrupts.set("rejected", counted.get("rejected"));
            interrupts.set("total", counted.get("total"));
        }
        List<String> changed = new ArrayList<>();
        differences("", expected, after, changed);
        assertThat(changed).as("state changed by %s", c).isEmpty();
    }

    /** Lists where two JSON trees differ, as paths with both values, so a failure says what changed. */
    private static void differences(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            Set<String> names = new java.util.TreeSet<>(a.propertyNames());
            names.addAll(b.propertyNames());
            names.forEach(name -> differences(path + "/" + name, a.get(name), b.get(name), out));
        } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                differences(path + "/" + i, a.get(i), b.get(i), out);
            }
        } else if (a == null || b == null || !String.valueOf(a).equals(String.valueOf(b))) {
            out.add(path + ": " + shorten(a) + " -> " + shorten(b));
        }
    }

    private static String shorten(JsonNode node) {
        String text = String.valueOf(node);
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
