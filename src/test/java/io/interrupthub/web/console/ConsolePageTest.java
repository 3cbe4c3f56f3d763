package io.interrupthub.web.console;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service serves its console at {@code /}: the page and its scripts need no API key (the API still
 * does), the page forbids inline code, and the console is no part of the API's OpenAPI document.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "INTERRUPT_API_KEYS=page-key")
@AutoConfigureRestTestClient
class ConsolePageTest {

    @Autowired
    RestTestClient client;

    @Test
    void thePageIsServedAtTheRootWithoutAKeyAndForbidsInlineCode() {
        client.get()
                .uri("/")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader()
                .valueEquals(
                        "Content-Security-Policy",
                        "default-src 'none'; script-src 'self'; "
                                + "style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                + "frame-ancestors 'none'")
                .expectHeader()
                .valueEquals("X-Content-Type-Options", "nosniff")
                .expectBody(String.class)
                .value(html -> assertThat(html)
                        .contains("<script type=\"module\" src=\"console/js/main.js\"></script>")
                        .doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
                        .doesNotContain(" style=", " onclick=", " onload="));
    }

    @ParameterizedTest
    @CsvSource({
        "/console/js/main.js, text/javascript",
        "/console/js/sse.js, text/javascript",
        "/console/js/api.js, text/javascript",
        "/console/js/model.js, text/javascript",
        "/console/js/views.js, text/javascript",
        "/console/js/dom.js, text/javascript",
        "/console/js/demo.js, text/javascript",
        "/console/console.css, text/css",
        "/console/icon.svg, image/svg+xml"
    })
    void itsAssetsAreServedWithoutAKey(String path, String type) {
        client.get()
                .uri(path)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.parseMediaType(type))
                .expectHeader()
                .cacheControl(org.springframework.http.CacheControl.noCache());
    }

    @Test
    void itsSettingsNameTheKeyHeaderButNoKey() {
        client.get()
                .uri("/console/settings")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.apiKeyHeader")
                .isEqualTo("X-API-Key")
                .jsonPath("$.reference")
                .isEqualTo(false)
                .jsonPath("$.heartbeatMs")
                .isEqualTo(15000)
                .jsonPath("$.flagTimeoutMs")
                .isEqualTo(5000)
                .jsonPath("$.*")
                .value(values -> assertThat(values.toString()).doesNotContain("page-key"));
    }

    @Test
    void theApiItCallsStillNeedsTheKey() {
        client.get().uri("/interrupts/stats").exchange().expectStatus().isUnauthorized();
        client.get().uri("/interrupts/events").exchange().expectStatus().isUnauthorized();
        client.get()
                .uri("/interrupts/stats")
                .header("X-API-Key", "page-key")
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void aMissingAssetIsAProblemNotAPage() {
        client.get()
                .uri("/console/js/nothing.js")
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        client.get().uri("/console/index.html").exchange().expectStatus().isNotFound();
    }

    @Test
    void theConsoleIsNotPartOfTheApiDocument() {
        client.get()
                .uri("/v3/api-docs")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.paths['/']")
                .doesNotExist()
                .jsonPath("$.paths['/console/settings']")
                .doesNotExist()
                .jsonPath("$.paths['/interrupts/stats']")
                .exists();
    }
}
