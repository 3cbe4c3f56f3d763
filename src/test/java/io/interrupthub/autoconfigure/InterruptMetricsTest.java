package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleSettings;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InterruptMetricsTest {

    private InterruptManager manager;
    private MeterRegistry registry;

    @BeforeEach
    void bind() {
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(1).build());
        registry = new SimpleMeterRegistry();
        InterruptMetrics metrics = new InterruptMetrics(manager);
        metrics.bindTo(registry);
        manager.addListener(metrics);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void tentativeInterruptsAreCountedByHowTheirPauseEndedAndTheirHoldIsTimed() {
        manager.pause("dev-1");
        manager.resume("dev-1");
        manager.pause("dev-2");
        assertThat(registry.get("interrupt.pauses.open").gauge().value()).isEqualTo(1);
        manager.interruptAndWait("dev-2", "user_barge_in");

        assertThat(count("interrupt.tentative", "outcome", "resumed")).isEqualTo(1);
        assertThat(count("interrupt.tentative", "outcome", "confirmed")).isEqualTo(1);
        assertThat(count("interrupt.tentative", "outcome", "expired_resumed")).isZero();
        assertThat(count("interrupt.tentative", "outcome", "expired_interrupted"))
                .isZero();
        assertThat(registry.get("interrupt.pause.duration").timer().count()).isEqualTo(2);
        assertThat(registry.get("interrupt.pauses.open").gauge().value()).isZero();
    }

    @Test
    void requestsAreCountedByOutcome() {
        manager.register(
                module("flaky", cause -> {
                    throw new IllegalStateException("boom");
                }),
                ModuleSettings.defaults());
        manager.interruptAndWait("dev-1", "test");
        manager.unregister("flaky");
        manager.interruptAndWait("dev-1", "test");
        manager.resetFlag("dev-1");
        assertThatThrownBy(() -> manager.interrupt("bad id", "test")).isInstanceOf(InterruptHubException.class);

        assertThat(count("interrupt.requests", "outcome", "success")).isEqualTo(1);
        assertThat(count("interrupt.requests", "outcome", "failure")).isEqualTo(1);
        assertThat(count("interrupt.requests", "outcome", "rejected")).isEqualTo(1);
        assertThat(count("interrupt.requests", "outcome", "coalesced")).isZero();
    }

    @Test
    void latencyIsRecordedPerInterruptAndPerModuleWithBoundedTags() {
        manager.register(module("text_processing", cause -> {}), ModuleSettings.defaults());
        manager.interruptAndWait("dev-1", "test");
        manager.interruptAndWait("dev-2", "test");

        Timer total = registry.get("interrupt.duration").timer();
        assertThat(total.count()).isEqualTo(2);
        Timer module = registry.get("interrupt.module.duration")
                .tags("module", "text_processing", "outcome", "OK")
                .timer();
        assertThat(module.count()).isEqualTo(2);
        assertThat(ownMeters())
                .flatExtracting(m -> m.getId().getTags())
                .extracting(io.micrometer.core.instrument.Tag::getKey)
                .doesNotContain("hardwareId", "sessionId", "device")
                .containsOnly("outcome", "event", "module", "result");
    }

    @Test
    void histogramBucketsSpanSubMillisecondToSeconds() {
        manager.interruptAndWait("dev-1", "test");
        double[] buckets = java.util.Arrays.stream(registry.get("interrupt.duration")
                        .timer()
                        .takeSnapshot()
                        .histogramCounts())
                .mapToDouble(c -> c.bucket(java.util.concurrent.TimeUnit.SECONDS))
                .toArray();
        assertThat(buckets).contains(0.0001, 0.001, 0.01, 0.1, 1.0, 5.0);
    }

    @Test
    void interruptsAreCountedAgainstTheLatencyBudget() {
        InterruptManager slow = new InterruptManager(InterruptSettings.defaults());
        try {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            InterruptMetrics metrics = new InterruptMetrics(slow, Duration.ofMillis(50));
            metrics.bindTo(meters);
            slow.addListener(metrics);
            slow.interruptAndWait("dev-1", "fast");
            slow.register(module("audio_generation", cause -> Thread.sleep(120)), ModuleSettings.defaults());
            slow.interruptAndWait("dev-1", "slow");
            assertThat(meters.get("interrupt.budget")
                            .tag("result", "met")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(meters.get("interrupt.budget")
                            .tag("result", "missed")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(meters.get("interrupt.sessions.max").gauge().value()).isEqualTo(100.0);
        } finally {
            slow.close();
        }
    }

    @Test
    void gaugesFollowSessionsAndFlags() {
        var session = manager.openSession("dev-1");
        assertThat(registry.get("interrupt.sessions.active").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("interrupt.flags.active").gauge().value()).isZero();
        assertThatThrownBy(() -> manager.openSession("dev-2")).isInstanceOf(InterruptHubException.class);
        manager.interruptAndWait("dev-1", "test");
        assertThat(registry.get("interrupt.sessions.active").gauge().value()).isZero();
        assertThat(registry.get("interrupt.flags.active").gauge().value()).isEqualTo(1.0);
        assertThat(session.isInterrupted()).isTrue();
        assertThat(count("interrupt.sessions", "event", "opened")).isEqualTo(1);
        assertThat(count("interrupt.sessions", "event", "interrupted")).isEqualTo(1);
        assertThat(count("interrupt.sessions", "event", "rejected")).isEqualTo(1);
    }

    @Test
    void everyMeterHasADescription() {
        manager.interruptAndWait("dev-1", "test");
        assertThat(ownMeters())
                .extracting(Meter::getId)
                .allSatisfy(
                        id -> assertThat(id.getDescription()).as(id.getName()).isNotBlank());
    }

    /** SimpleMeterRegistry adds a gauge per histogram bucket ({@code .histogram}, tag {@code le}); Prometheus does not. */
    private List<Meter> ownMeters() {
        return registry.getMeters().stream()
                .filter(m -> !m.getId().getName().endsWith(".histogram"))
                .toList();
    }

    private double count(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).functionCounter().count();
    }

    private static Interruptible module(String name, ModuleAction.Body body) {
        return Interruptible.of(name, ModuleAction.of(ModuleAction.CLEAR_CACHE, body));
    }
}
