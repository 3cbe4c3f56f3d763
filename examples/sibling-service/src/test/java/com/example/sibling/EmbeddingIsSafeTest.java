package com.example.sibling;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a host application gets by adding the library and nothing else (webmvc and actuator, no Spring Security,
 * no Prometheus): the API, and nothing it did not ask for.
 */
class EmbeddingIsSafeTest {

    @Nested
    @SpringBootTest(
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "management.endpoints.web.exposure.include=*")
    @AutoConfigureRestTestClient
    class WithTheDefaults {

        @Autowired
        RestTestClient client;

        @Test
        void theHostsOwnUnknownPathsKeepBootsErrorJson() {
            client.get()
                    .uri("/no-such-page")
                    .accept(MediaType.APPLICATION_JSON)
                    .exchange()
                    .expectStatus()
                    .isNotFound()
                    .expectHeader()
                    .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                    .expectBody()
                    .jsonPath("$.path")
                    .isEqualTo("/no-such-page")
                    .jsonPath("$.error")
                    .isEqualTo("Not Found")
                    .jsonPath("$.type")
                    .doesNotExist();
        }

        @Test
        void thereIsNoPrometheusEndpointEvenWhenEveryEndpointIsExposed() {
            client.get().uri("/actuator/prometheus").exchange().expectStatus().isNotFound();
            client.get()
                    .uri("/actuator/metrics/interrupt.requests")
                    .exchange()
                    .expectStatus()
                    .isOk();
        }

        @Test
        void noConsoleIsServedAtTheRoot() {
            client.get().uri("/").exchange().expectStatus().isNotFound();
            client.get().uri("/console/settings").exchange().expectStatus().isNotFound();
        }

        @Test
        void theReferencePipelineStaysOff() {
            client.get().uri("/sessions/any/stream").exchange().expectStatus().isNotFound();
        }

        @Test
        void theApiStillAnswersWithProblemDetails() {
            client.post()
                    .uri("/interrupt/front-door")
                    .contentType(MediaType.APPLICATION_JSON)
                    .body("{\"reason\": 5}")
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectHeader()
                    .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("about:blank");
        }
    }

    @Nested
    @SpringBootTest(
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "interrupt.web.base-path=/voice")
    @AutoConfigureRestTestClient
    class BelowABasePath {

        @Autowired
        RestTestClient client;

        @Test
        void theApiMovesBelowTheBasePathAndLeavesTheRootToTheHost() {
            client.post()
                    .uri("/voice/interrupt/kitchen-9")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.hardwareId")
                    .isEqualTo("kitchen-9");
            client.get().uri("/voice/sessions").exchange().expectStatus().isOk();
            client.post().uri("/interrupt/kitchen-9").exchange().expectStatus().isNotFound();
            client.get().uri("/sessions").exchange().expectStatus().isNotFound();
        }
    }

    @Test
    void apiKeysWithoutSpringSecurityStopStartUpWithOneLineSayingWhy() {
        SpringApplicationBuilder application = new SpringApplicationBuilder(SiblingApplication.class)
                .properties("server.port=0", "interrupt.api.keys=secret");
        assertThatThrownBy(application::run)
                .satisfies(failure -> assertThat(rootMessage(failure))
                        .contains("interrupt.api.keys")
                        .contains("spring-boot-starter-security")
                        .doesNotContain("\n"));
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
