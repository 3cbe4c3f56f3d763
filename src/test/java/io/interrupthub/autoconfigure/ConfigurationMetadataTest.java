package io.interrupthub.autoconfigure;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's configuration metadata (what an IDE completes and explains in an embedding application's
 * application.yml) has every interrupt.* property, each with a description.
 */
class ConfigurationMetadataTest {

    private static Map<String, JsonNode> interruptProperties() throws Exception {
        try (InputStream in =
                ConfigurationMetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the build writes the metadata into the jar").isNotNull();
            Map<String, JsonNode> properties = new TreeMap<>();
            for (JsonNode property : JsonMapper.builder().build().readTree(in).get("properties")) {
                String name = property.get("name").asString();
                if (name.startsWith("interrupt.")) {
                    properties.put(name, property);
                }
            }
            return properties;
        }
    }

    @Test
    void everyInterruptPropertyHasADescription() throws Exception {
        List<String> undescribed = new ArrayList<>();
        interruptProperties().forEach((name, property) -> {
            JsonNode description = property.get("description");
            if (description == null || description.asString().isBlank()) {
                undescribed.add(name);
            }
        });
        assertThat(undescribed).isEmpty();
    }

    @Test
    void everyFeatureIsDescribed() throws Exception {
        assertThat(interruptProperties())
                .containsKeys(
                        "interrupt.enabled",
                        "interrupt.timeout",
                        "interrupt.check-interval",
                        "interrupt.max-active-sessions",
                        "interrupt.session-timeout",
                        "interrupt.session-cleanup-delay",
                        "interrupt.log-interrupts",
                        "interrupt.api.keys",
                        "interrupt.api.key-header",
                        "interrupt.api.max-body-size",
                        "interrupt.web.enabled",
                        "interrupt.web.base-path",
                        "interrupt.web.problem-errors",
                        "interrupt.events.max-streams",
                        "interrupt.events.heartbeat",
                        "interrupt.cluster.enabled",
                        "interrupt.cluster.namespace",
                        "interrupt.grpc.enabled",
                        "interrupt.grpc.port",
                        "interrupt.console.enabled",
                        "interrupt.reference.enabled",
                        "interrupt.modules");
    }

    /**
     * The processor cannot read a default from another class's constant, so the core-backed defaults are written
     * out for the metadata (additional-spring-configuration-metadata.json); this keeps them equal to the constants.
     */
    @Test
    void theDefaultsTheMetadataShowsAreTheOnesThatApply() throws Exception {
        Map<String, JsonNode> metadata = interruptProperties();
        InterruptProperties defaults = new InterruptProperties();
        Map<String, Object> expected = Map.ofEntries(
                Map.entry("interrupt.enabled", defaults.isEnabled()),
                Map.entry("interrupt.check-interval", defaults.getCheckInterval()),
                Map.entry("interrupt.timeout", defaults.getTimeout()),
                Map.entry("interrupt.session-cleanup-delay", defaults.getSessionCleanupDelay()),
                Map.entry("interrupt.max-active-sessions", defaults.getMaxActiveSessions()),
                Map.entry("interrupt.session-timeout", defaults.getSessionTimeout()),
                Map.entry("interrupt.history-size", defaults.getHistorySize()),
                Map.entry("interrupt.max-devices", defaults.getMaxDevices()),
                Map.entry("interrupt.max-callbacks-per-session", defaults.getMaxCallbacksPerSession()),
                Map.entry("interrupt.sweep-interval", defaults.getSweepInterval()),
                Map.entry("interrupt.module-threads", defaults.getModuleThreads()),
                Map.entry("interrupt.module-queue-capacity", defaults.getModuleQueueCapacity()),
                Map.entry("interrupt.latency-budget", defaults.getLatencyBudget()),
                Map.entry("interrupt.silence-deadline", defaults.getSilenceDeadline()),
                Map.entry("interrupt.resume-window", defaults.getResumeWindow()),
                Map.entry("interrupt.tentative-expiry", defaults.getTentativeExpiry()));
        expected.forEach((name, value) -> {
            JsonNode shown = metadata.get(name).get("defaultValue");
            assertThat(shown).as(name + " has a default in the metadata").isNotNull();
            Object parsed = value instanceof Duration
                    ? PlainSecondsConverter.parse(shown.asString())
                    : value instanceof Enum<?> e
                            ? (Object) Enum.valueOf(
                                    e.getDeclaringClass(), shown.asString().toUpperCase(java.util.Locale.ROOT))
                            : value instanceof Boolean ? (Object) shown.asBoolean() : (Object) shown.asInt();
            assertThat(parsed).as(name).isEqualTo(value);
        });
        assertThat(metadata.get("interrupt.web.base-path").path("defaultValue").asString())
                .isEmpty();
        assertThat(metadata.get("interrupt.console.enabled")
                        .path("defaultValue")
                        .asBoolean(true))
                .isFalse();
    }
}
