package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.MutableClock;
import io.interrupthub.core.Session;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** interrupt.time.to.silence, interrupt.silence{result} and interrupt.commits{outcome}, fed by the manager. */
class SilenceMetricsTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-02T16:00:00Z");
    private InterruptManager manager;
    private MeterRegistry registry;

    @BeforeEach
    void bind() {
        manager = new InterruptManager(InterruptSettings.defaults(), clock);
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
    void aConfirmedSilenceRecordsItsTimeToSilenceAndAMissedOneIsCounted() {
        Session quiet = manager.openSession("dev-quiet");
        manager.interrupt("dev-quiet", "user_barge_in").join();
        clock.advance(Duration.ofMillis(300));
        quiet.stopped();
        manager.openSession("dev-stuck");
        manager.interrupt("dev-stuck", "user_barge_in").join();
        clock.advance(Duration.ofSeconds(3));
        manager.sweep();

        Timer timeToSilence = registry.get("interrupt.time.to.silence").timer();
        assertThat(timeToSilence.count()).isEqualTo(1);
        assertThat(timeToSilence.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
        assertThat(registry.get("interrupt.silence")
                        .tag("result", "confirmed")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("interrupt.silence")
                        .tag("result", "missed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void anInterruptThatMarkedNoSessionIsNotATimeToSilence() {
        manager.interrupt("dev-empty", "user_barge_in").join();

        assertThat(registry.get("interrupt.time.to.silence").timer().count()).isZero();
        assertThat(registry.get("interrupt.silence")
                        .tag("result", "confirmed")
                        .counter()
                        .count())
                .isZero();
    }

    @Test
    void commitsAreCountedByOutcome() {
        Session session = manager.openSession("dev-commit");
        assertThat(session.commit("send_email")).isTrue();
        assertThat(session.commit("send_email")).as("the same commit again").isTrue();
        manager.interrupt("dev-commit", "user_barge_in").join();
        assertThat(session.commit("end_call")).isFalse();

        assertThat(registry.get("interrupt.commits")
                        .tag("outcome", "committed")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("interrupt.commits")
                        .tag("outcome", "refused")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
    }
}
