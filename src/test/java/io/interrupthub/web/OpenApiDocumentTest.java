package io.interrupthub.web;

import java.util.List;
import java.util.Map;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** /v3/api-docs describes every endpoint of the contract with its answers, errors included. */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class OpenApiDocumentTest {

    /** Every operation of the contract with the answers it must document. */
    private static final Map<String, List<String>> CONTRACT = Map.ofEntries(
            Map.entry("post /interrupt/{hardwareId}", List.of("200", "202", "400", "406", "429", "503")),
            Map.entry("get /interrupt/{hardwareId}", List.of("200", "400")),
            Map.entry("delete /interrupt/{hardwareId}", List.of("204", "400")),
            Map.entry("post /sessions", List.of("201", "400", "406", "409", "415", "429")),
            Map.entry("get /sessions", List.of("200", "400")),
            Map.entry("get /sessions/{sessionId}", List.of("200", "404")),
            Map.entry("post /sessions/{sessionId}/heartbeat", List.of("200", "404", "406")),
            Map.entry("delete /sessions/{sessionId}", List.of("204", "404")),
            Map.entry("get /interrupts", List.of("200", "400")),
            Map.entry("get /interrupts/stats", List.of("200")),
            Map.entry("get /interrupts/flags", List.of("200", "400")),
            Map.entry("post /sessions/{sessionId}/stopped", List.of("200", "400", "404", "406", "409")),
            Map.entry("post /sessions/{sessionId}/commit", List.of("200", "400", "404", "406", "409")),
            Map.entry("get /interrupts/events", List.of("200", "400", "503")));

    @Autowired
    RestTestClient client;

    @Test
    void theDocumentListsEveryEndpointOfTheContractWithItsAnswers() {
        JsonNode paths = document().get("paths");
        CONTRACT.forEach((operation, statuses) -> {
            String[] parts = operation.split(" ", 2);
            JsonNode responses = paths.path(parts[1]).path(parts[0]).path("responses");
            assertThat(responses.isMissingNode())
                    .as("%s is documented", operation)
                    .isFalse();
            for (String status : statuses) {
                assertThat(responses.has(status))
                        .as("%s documents %s", operation, status)
                        .isTrue();
            }
        });
    }

    @Test
    void errorsAreDocumentedAsProblemDetails() {
        JsonNode document = document();
        JsonNode problem =
                document.path("components").path("schemas").path("Problem").path("properties");
        assertThat(problem.propertyNames()).contains("type", "title", "status", "detail", "instance");
        JsonNode tooMany = document.path("paths")
                .path("/sessions")
                .path("post")
                .path("responses")
                .path("429");
        assertThat(tooMany.path("content")
                        .path("application/problem+json")
                        .path("schema")
                        .path("$ref")
                        .stringValue())
                .isEqualTo("#/components/schemas/Problem");
    }

    @Test
    void theSchemasCarryTheContractsFieldNames() {
        JsonNode schemas = document().path("components").path("schemas");
        assertThat(schemas.path("InterruptResultBody").path("properties").propertyNames())
                .contains("hardwareId", "epoch", "success", "reason", "sessionsInterrupted", "durationMs", "modules");
        assertThat(schemas.path("SessionBody").path("properties").propertyNames())
                .contains(
                        "sessionId",
                        "hardwareId",
                        "state",
                        "epoch",
                        "createdAt",
                        "lastHeartbeatAt",
                        "expiresAt",
                        "interruptedAt");
        assertThat(document()
                        .path("components")
                        .path("securitySchemes")
                        .path("apiKey")
                        .path("name")
                        .stringValue())
                .isEqualTo("X-API-Key");
    }

    @Test
    void swaggerUiIsServed() {
        client.get().uri("/swagger-ui/index.html").exchange().expectStatus().isOk();
    }

    private JsonNode document() {
        String body = client.get()
                .uri("/v3/api-docs")
                .exchange()
                .expectStatus()
                .isOk()
                .returnResult(String.class)
                .getResponseBody();
        return JsonMapper.shared().readTree(body);
    }
}
