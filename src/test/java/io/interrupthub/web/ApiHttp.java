package io.interrupthub.web;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Small HTTP helper for the API tests: one call gives status, headers and the raw body, and the body is
 * read with Jackson 3 so tests can check JSON field by field, including fields that must be absent.
 */
final class ApiHttp {

    static final JsonMapper JSON = JsonMapper.shared();

    /** The five members of an RFC 9457 problem as the contract shows it, and nothing else. */
    static final Set<String> PROBLEM_FIELDS = Set.of("type", "title", "status", "detail", "instance");

    /** Text that would betray internals in an error body. */
    private static final List<String> LEAKS = List.of(
            "Exception",
            "exception",
            "java.",
            "javax.",
            "jakarta.",
            "org.springframework",
            "tools.jackson",
            "com.fasterxml",
            "io.interrupthub",
            "\tat ",
            "stackTrace",
            "trace",
            "Caused by");

    private final RestTestClient client;

    ApiHttp(RestTestClient client) {
        this.client = client;
    }

    /** One answer: status code, headers and body text (empty string when there is no body). */
    record Reply(int status, HttpHeaders headers, String body) {

        JsonNode json() {
            assertThat(body).as("response body").isNotEmpty();
            return JSON.readTree(body);
        }

        MediaType contentType() {
            return headers.getContentType();
        }

        @Override
        public String toString() {
            return status + " " + headers.getContentType() + " " + body;
        }
    }

    Reply get(String uriTemplate, Object... vars) {
        return send(HttpMethod.GET, null, null, uriTemplate, vars);
    }

    Reply delete(String uriTemplate, Object... vars) {
        return send(HttpMethod.DELETE, null, null, uriTemplate, vars);
    }

    /** POST without a body. */
    Reply post(String uriTemplate, Object... vars) {
        return send(HttpMethod.POST, null, null, uriTemplate, vars);
    }

    /** POST with a JSON body, sent as given (so malformed JSON can be sent too). */
    Reply postJson(String json, String uriTemplate, Object... vars) {
        return send(HttpMethod.POST, MediaType.APPLICATION_JSON, json, uriTemplate, vars);
    }

    Reply send(HttpMethod method, MediaType contentType, String body, String uriTemplate, Object... vars) {
        RestTestClient.RequestBodySpec spec = client.method(method)
                .uri(uriTemplate, vars)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON);
        if (contentType != null) {
            spec = spec.contentType(contentType);
        }
        RestTestClient.RequestHeadersSpec<?> ready =
                body == null ? spec : spec.body(body.getBytes(StandardCharsets.UTF_8));
        EntityExchangeResult<byte[]> result = ready.exchange().returnResult(byte[].class);
        byte[] bytes = result.getResponseBody();
        return new Reply(
                result.getStatus().value(),
                result.getResponseHeaders(),
                bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8));
    }

    /** A hardwareId (or session id) no other test uses. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    static Instant instant(JsonNode object, String field) {
        JsonNode value = object.get(field);
        assertThat(value).as("field %s of %s", field, object).isNotNull();
        assertThat(value.isString())
                .as("field %s is an ISO-8601 string in %s", field, object)
                .isTrue();
        return Instant.parse(value.stringValue());
    }

    static Set<String> fieldNames(JsonNode object) {
        return new TreeSet<>(object.propertyNames());
    }

    static List<JsonNode> elements(JsonNode array) {
        assertThat(array.isArray()).as("a JSON array: %s", array).isTrue();
        return new ArrayList<>(array.values());
    }

    /** A JSON answer with exactly this status and a JSON (not problem) content type. */
    static JsonNode assertJson(Reply reply, int status) {
        assertThat(reply.status()).as("status of %s", reply).isEqualTo(status);
        assertThat(reply.contentType()).as("content type of %s", reply).isNotNull();
        assertThat(reply.contentType().isCompatibleWith(MediaType.APPLICATION_JSON))
                .as("content type of %s", reply)
                .isTrue();
        return reply.json();
    }

    /**
     * An RFC 9457 problem as the contract shows it: {@code application/problem+json}, {@code type
     * "about:blank"}, the status's reason phrase as title, the status, a detail, the request path as
     * instance; no other members and nothing internal (no stack trace, no exception class names).
     */
    static JsonNode assertProblem(Reply reply, int status, String title, String instance) {
        assertThat(reply.status()).as("status of %s", reply).isEqualTo(status);
        assertThat(reply.contentType()).as("content type of %s", reply).isNotNull();
        assertThat(reply.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .as("content type of %s", reply)
                .isTrue();
        assertNoLeak(reply);
        JsonNode problem = reply.json();
        assertThat(fieldNames(problem)).as("members of %s", problem).isEqualTo(new TreeSet<>(PROBLEM_FIELDS));
        assertThat(problem.get("type").isString()).isTrue();
        assertThat(problem.get("type").stringValue()).isEqualTo("about:blank");
        assertThat(problem.get("title").stringValue()).isEqualTo(title);
        assertThat(problem.get("status").isIntegralNumber())
                .as("status is a number in %s", problem)
                .isTrue();
        assertThat(problem.get("status").intValue()).isEqualTo(status);
        assertThat(problem.get("detail").isString())
                .as("detail is a string in %s", problem)
                .isTrue();
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(problem.get("instance").stringValue()).isEqualTo(instance);
        return problem;
    }

    static void assertNoLeak(Reply reply) {
        assertThat(reply.status()).as("never a 500: %s", reply).isNotEqualTo(500);
        for (String leak : LEAKS) {
            assertThat(reply.body()).as("error body must not show internals").doesNotContain(leak);
        }
    }
}
