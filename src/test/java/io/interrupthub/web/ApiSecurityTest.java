package io.interrupthub.web;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/** With API keys configured, the API needs one; health and metrics stay reachable; nothing else is exposed. */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "INTERRUPT_API_KEYS=key-one, key-two")
@AutoConfigureRestTestClient
class ApiSecurityTest {

    @Autowired
    RestTestClient client;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "POST /interrupt/sec-1",
                "GET /interrupt/sec-1",
                "DELETE /interrupt/sec-1",
                "GET /interrupts",
                "GET /interrupts/stats",
                "GET /interrupts/events",
                "GET /sessions",
                "POST /sessions",
                "GET /sessions/x",
                "POST /devices/sec-1/speech"
            })
    void withoutAKeyEveryApiCallIs401(String call) {
        String[] parts = call.split(" ");
        client.method(HttpMethod.valueOf(parts[0]))
                .uri(parts[1])
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader()
                .valueEquals("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(401)
                .jsonPath("$.type")
                .isEqualTo("about:blank")
                .jsonPath("$.detail")
                .isEqualTo("an API key is required in the X-API-Key header");
    }

    @Test
    void aWrongKeyIs403AndIsNotEchoed() {
        client.post()
                .uri("/interrupt/sec-2")
                .header("X-API-Key", "key-three")
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(403)
                .jsonPath("$.detail")
                .isEqualTo("the API key is not valid");
    }

    @Test
    void eitherConfiguredKeyIsAccepted() {
        client.post()
                .uri("/interrupt/sec-3")
                .header("X-API-Key", "key-one")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.hardwareId")
                .isEqualTo("sec-3");
        client.post()
                .uri("/interrupt/sec-3?wait=false")
                .header("X-API-Key", "key-two")
                .exchange()
                .expectStatus()
                .isAccepted();
        client.get()
                .uri("/sessions")
                .header("X-API-Key", "key-two")
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void healthAndMetricsStayOpenForProbesAndScrapers() {
        client.get().uri("/actuator/health").exchange().expectStatus().isOk();
        client.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        client.get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.interrupts.status")
                .isEqualTo("UP");
    }

    @Test
    void anonymousCallersSeeTheHealthStatusButNoDetails() {
        client.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP")
                .jsonPath("$.components.diskSpace.status")
                .isEqualTo("UP")
                .jsonPath("$.components.diskSpace.details")
                .doesNotExist()
                .jsonPath("$.components.interrupts.details")
                .doesNotExist();
    }

    @Test
    void aCallerWithAValidKeySeesTheHealthDetails() {
        client.get()
                .uri("/actuator/health")
                .header("X-API-Key", "key-two")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.diskSpace.details.path")
                .exists()
                .jsonPath("$.components.interrupts.details.sessionsMax")
                .isEqualTo(100);
        client.get()
                .uri("/actuator/health")
                .header("X-API-Key", "not-a-key")
                .exchange()
                .expectStatus()
                .isForbidden();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/actuator/env",
                "/actuator/heapdump",
                "/actuator/threaddump",
                "/actuator/beans",
                "/actuator/configprops",
                "/actuator/loggers",
                "/actuator/interrupts",
                "/actuator/shutdown"
            })
    void actuatorEndpointsBeyondHealthAndMetricsAreClosed(String path) {
        client.get()
                .uri(path)
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        client.post()
                .uri(path)
                .exchange()
                .expectStatus()
                .value(status ->
                        org.assertj.core.api.Assertions.assertThat(status).isIn(404, 405));
    }

    @Test
    void aBodyOverTheLimitIs413BeforeAnythingReadsIt() {
        client.post()
                .uri("/sessions")
                .header("X-API-Key", "key-one")
                .contentType(MediaType.APPLICATION_JSON)
                .body("{\"hardwareId\": \"" + "a".repeat(20_000) + "\"}")
                .exchange()
                .expectStatus()
                .isEqualTo(413)
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.detail")
                .value(detail -> org.assertj.core.api.Assertions.assertThat((String) detail)
                        .contains("limit is 16384"));
    }

    @Test
    void aUrlTheFirewallRefusesIsA400Problem() {
        client.get()
                .uri("/interrupt/a%2F..%2Fb")
                .header("X-API-Key", "key-one")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(400);
    }
}
