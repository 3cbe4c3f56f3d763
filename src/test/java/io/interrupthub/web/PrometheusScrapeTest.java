package io.interrupthub.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/prometheus} carries the contract's metric names with HELP text and no per-device or
 * per-session label; {@code /actuator/health} is UP with an {@code interrupts} component.
 * INTERRUPT_TIMEOUT is raised so the flag set by the interrupt is still up when the scrape runs.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"INTERRUPT_TIMEOUT=60", "management.endpoint.health.show-details=always"})
@AutoConfigureRestTestClient
@AutoConfigureMetrics
@DirtiesContext
class PrometheusScrapeTest {

    /** One sample line: name, optional labels, value. */
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Autowired
    private RestTestClient client;

    private ApiHttp http;
    private String hardwareId;
    private String sessionId;

    private record Sample(String name, Map<String, String> labels, double value) {}

    @BeforeEach
    void oneInterruptAndOneSession() {
        http = new ApiHttp(client);
        hardwareId = unique("metrics-device");
        JsonNode result =
                assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hardwareId), 200);
        assertThat(result.get("success").booleanValue()).isTrue();
        sessionId = assertJson(http.postJson("{\"hardwareId\": \"" + unique("metrics-other") + "\"}", "/sessions"), 201)
                .get("sessionId")
                .stringValue();
    }

    @AfterEach
    void endSession() {
        assertThat(http.delete("/sessions/{id}", sessionId).status()).isEqualTo(204);
    }

    @Test
    void scrapeCarriesTheContractsMetricsWithHelpText() {
        String scrape = scrape();
        List<Sample> samples = samples(scrape);

        for (String family : List.of(
                "interrupt_requests_total",
                "interrupt_duration_seconds",
                "interrupt_module_duration_seconds",
                "interrupt_flags_active",
                "interrupt_sessions_active",
                "interrupt_sessions_total",
                "interrupt_tentative_total",
                "interrupt_pause_duration_seconds",
                "interrupt_pauses_open")) {
            assertThat(scrape).as("HELP of %s", family).containsPattern("(?m)^# HELP " + family + " \\S.*$");
        }
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_requests_total counter$");
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_duration_seconds histogram$");
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_module_duration_seconds histogram$");
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_flags_active gauge$");
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_sessions_active gauge$");
        assertThat(scrape).containsPattern("(?m)^# TYPE interrupt_sessions_total counter$");

        assertThat(value(samples, "interrupt_requests_total", Map.of("outcome", "success")))
                .isGreaterThanOrEqualTo(1);
        for (String outcome : List.of("failure", "coalesced", "rejected")) {
            assertThat(find(samples, "interrupt_requests_total", Map.of("outcome", outcome)))
                    .as(outcome)
                    .isNotEmpty();
        }

        List<Sample> durationBuckets = find(samples, "interrupt_duration_seconds_bucket", Map.of());
        assertThat(durationBuckets).isNotEmpty();
        assertThat(durationBuckets).allSatisfy(s -> assertThat(s.labels()).containsKey("le"));
        assertThat(value(samples, "interrupt_duration_seconds_bucket", Map.of("le", "+Inf")))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "interrupt_duration_seconds_count", Map.of())).isGreaterThanOrEqualTo(1);

        Map<String, String> sessionModuleOk = Map.of("module", "session_management", "outcome", "OK");
        assertThat(find(samples, "interrupt_module_duration_seconds_bucket", sessionModuleOk))
                .isNotEmpty();
        Map<String, String> infBucket = new LinkedHashMap<>(sessionModuleOk);
        infBucket.put("le", "+Inf");
        assertThat(value(samples, "interrupt_module_duration_seconds_bucket", infBucket))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "interrupt_module_duration_seconds_count", sessionModuleOk))
                .isGreaterThanOrEqualTo(1);

        assertThat(value(samples, "interrupt_flags_active", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "interrupt_sessions_active", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "interrupt_sessions_total", Map.of("event", "opened")))
                .isGreaterThanOrEqualTo(1);
        for (String event : List.of("ended", "interrupted", "expired", "rejected")) {
            assertThat(find(samples, "interrupt_sessions_total", Map.of("event", event)))
                    .as(event)
                    .isNotEmpty();
        }
    }

    @Test
    void requestsAreObservedOnceNotOncePerSecurityFilter() {
        String scrape = scrape();

        assertThat(scrape).as("requests are timed").containsPattern("(?m)^http_server_requests_seconds_count\\{");
        assertThat(scrape)
                .as("Spring Security's per-filter observations are off in the service defaults")
                .doesNotContain("spring_security_");
    }

    @Test
    void noMetricIsLabelledByDeviceOrSession() {
        String scrape = scrape();

        for (Sample sample : samples(scrape)) {
            assertThat(sample.labels().keySet())
                    .as("labels of %s", sample.name())
                    .noneMatch(l -> l.equalsIgnoreCase("hardwareId")
                            || l.equalsIgnoreCase("hardware_id")
                            || l.equalsIgnoreCase("sessionId")
                            || l.equalsIgnoreCase("session_id")
                            || l.equalsIgnoreCase("device"));
        }
        assertThat(scrape)
                .doesNotContain("hardwareId=")
                .doesNotContain("sessionId=")
                .doesNotContain(hardwareId)
                .doesNotContain(sessionId);
    }

    @Test
    void healthIsUpWithAnInterruptsComponent() {
        JsonNode health = assertJson(http.get("/actuator/health"), 200);

        assertThat(health.get("status").stringValue()).isEqualTo("UP");
        JsonNode interrupts = health.get("components").get("interrupts");
        assertThat(interrupts).as("component interrupts in %s", health).isNotNull();
        assertThat(interrupts.get("status").stringValue()).isEqualTo("UP");
        JsonNode details = interrupts.get("details");
        assertThat(details.get("enabled").booleanValue()).isTrue();
        assertThat(details.get("modules").intValue()).isGreaterThanOrEqualTo(1);
        assertThat(details.get("sessionsActive").intValue()).isGreaterThanOrEqualTo(1);
        assertThat(details.get("sessionsMax").intValue()).isEqualTo(100);
        assertThat(details.get("flagsActive").intValue()).isGreaterThanOrEqualTo(1);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private String scrape() {
        EntityExchangeResult<byte[]> result = client.get()
                .uri("/actuator/prometheus")
                .accept(MediaType.TEXT_PLAIN)
                .exchange()
                .returnResult(byte[].class);
        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(result.getResponseHeaders().getContentType()).isNotNull();
        assertThat(result.getResponseHeaders().getContentType().isCompatibleWith(MediaType.TEXT_PLAIN))
                .isTrue();
        return new String(result.getResponseBody(), StandardCharsets.UTF_8);
    }

    private static List<Sample> samples(String scrape) {
        List<Sample> samples = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    /** The tags every series carries (application, instance), set once for the whole service. */
    private static Map<String, String> withoutCommonTags(Map<String, String> labels) {
        Map<String, String> rest = new LinkedHashMap<>(labels);
        rest.remove("application");
        rest.remove("instance");
        return rest;
    }

    @Test
    void everyInterruptSeriesCarriesTheCommonTags() {
        List<Sample> ours = samples(scrape()).stream()
                .filter(s -> s.name().startsWith("interrupt_"))
                .toList();
        assertThat(ours).isNotEmpty().allSatisfy(s -> {
            assertThat(s.labels()).containsEntry("application", "interrupt-hub");
            assertThat(s.labels()).containsKey("instance");
        });
    }

    /** Samples of this name whose labels include all of {@code labels}. */
    private static List<Sample> find(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
    }

    /** The value of the one sample of this name with exactly these labels (besides none other than le). */
    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> withoutCommonTags(s.labels()).equals(labels))
                .toList();
        assertThat(found).as("one sample %s%s", name, labels).hasSize(1);
        return found.get(0).value();
    }
}
