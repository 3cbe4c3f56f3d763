package io.interrupthub.web.console;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * An application that embeds the library (without the service's defaults) gets no console at its root
 * unless it asks for one with {@code interrupt.console.enabled=true}.
 */
class EmbeddedConsoleTest {

    /**
     * Tests run in the project's root, whose application.yml (the service's defaults) Boot would read as the
     * working directory's own; an embedding application has no such file there.
     */
    static final String SERVICE_FILE_IGNORED = "spring.config.location=optional:classpath:/";

    /** A sibling service: the library's auto-configurations, none of the service's defaults. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class SiblingService {}

    @Nested
    @SpringBootTest(
            classes = SiblingService.class,
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = SERVICE_FILE_IGNORED)
    @AutoConfigureRestTestClient
    class ByDefault {

        @Autowired
        RestTestClient client;

        @Test
        void servesNoConsoleButStillTheApi() {
            client.get().uri("/").exchange().expectStatus().isNotFound();
            client.get().uri("/console/js/main.js").exchange().expectStatus().isNotFound();
            client.get().uri("/console/settings").exchange().expectStatus().isNotFound();
            client.get().uri("/interrupts/stats").exchange().expectStatus().isOk();
        }
    }

    @Nested
    @SpringBootTest(
            classes = SiblingService.class,
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {SERVICE_FILE_IGNORED, "interrupt.console.enabled=true"})
    @AutoConfigureRestTestClient
    class WhenAskedFor {

        @Autowired
        RestTestClient client;

        @Test
        void servesIt() {
            client.get().uri("/").exchange().expectStatus().isOk();
            client.get().uri("/console/js/main.js").exchange().expectStatus().isOk();
        }
    }
}
