package io.interrupthub.core;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A flag expires after {@code INTERRUPT_TIMEOUT} whichever way the manager runs: started on the system
 * clock (flags cleared by the sweeper thread, polls read no clock), or on an injected clock (polls compare
 * with it, so tests that move the clock see expiry at once, started or not).
 */
class FlagExpiryTest {

    private static final String DEVICE = "kitchen-speaker-7";

    private final List<InterruptManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        managers.forEach(InterruptManager::close);
    }

    private InterruptManager manager(Duration interruptTimeout, Clock clock) {
        InterruptSettings settings =
                InterruptSettings.builder().interruptTimeout(interruptTimeout).build();
        InterruptManager manager = new InterruptManager(settings, clock);
        managers.add(manager);
        return manager;
    }

    @Test
    void startedManagerOnSystemClockClearsTheFlagWhenItExpiresAndNotBefore() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        InterruptManager manager = manager(timeout, Clock.systemUTC()).start();
        long before = System.currentTimeMillis();
        manager.interrupt(DEVICE, "barge-in").get();

        assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !manager.shouldInterrupt(DEVICE));
        assertThat(System.currentTimeMillis() - before)
                .as("ms from interrupt to the flag clearing")
                .isGreaterThanOrEqualTo(timeout.toMillis());
        assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();
        assertThat(manager.activeFlags()).isZero();
    }

    @Test
    void startedManagerOnSystemClockClearsEveryFlagOfABurst() throws Exception {
        InterruptManager manager =
                manager(Duration.ofMillis(200), Clock.systemUTC()).start();
        for (int i = 0; i < 200; i++) {
            manager.interrupt("device-" + i, "burst");
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> java.util.stream.IntStream.range(0, 200)
                        .noneMatch(i -> manager.shouldInterrupt("device-" + i)));
        await().atMost(Duration.ofSeconds(20)).until(() -> manager.trackedDevices() == 0);
    }

    @Test
    void flagReplacedByALaterInterruptLivesItsOwnTime() throws Exception {
        MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
        InterruptManager manager = manager(Duration.ofSeconds(5), clock);
        manager.interrupt(DEVICE, "first").get();
        clock.advance(Duration.ofSeconds(3));
        manager.interrupt(DEVICE, "second").get();

        clock.advance(Duration.ofSeconds(3));
        manager.sweep(); // the first flag's time has passed: the sweep must not clear the second
        assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        assertThat(manager.trackedDevices()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
        manager.sweep();
        assertThat(manager.trackedDevices()).isZero();
    }

    @Test
    void startedManagerOnSystemClockClearsARefreshedFlagAtItsNewExpiry() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        InterruptManager manager = manager(timeout, Clock.systemUTC()).start();
        manager.interrupt(DEVICE, "first").get();
        Thread.sleep(700);
        long refreshedAt = System.currentTimeMillis();
        manager.interrupt(DEVICE, "second").get();

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !manager.shouldInterrupt(DEVICE));
        assertThat(System.currentTimeMillis() - refreshedAt)
                .as("ms from the refresh to the flag clearing")
                .isGreaterThanOrEqualTo(timeout.toMillis());
        await().atMost(Duration.ofSeconds(20)).until(() -> manager.trackedDevices() == 0);
    }

    @Test
    void manyRefreshesOfOneDeviceStillExpireOnce() throws Exception {
        MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
        InterruptManager manager = manager(Duration.ofSeconds(5), clock);
        for (int i = 0; i < 50; i++) {
            manager.interrupt(DEVICE, "again").get();
            clock.advance(Duration.ofMillis(200));
        }
        // the last flag was set 200 ms ago: 4.8 s to go, however many entries came due before
        clock.advance(Duration.ofMillis(4799));
        manager.sweep();
        assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        assertThat(manager.activeFlags()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        manager.sweep();
        assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
        assertThat(manager.trackedDevices()).isZero();
    }

    @Test
    void startedManagerOnAnInjectedClockExpiresTheFlagByThatClock() throws Exception {
        MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
        Duration timeout = Duration.ofSeconds(5);
        InterruptManager manager = manager(timeout, clock).start();
        manager.interrupt(DEVICE, "barge-in").get();

        clock.advance(timeout.minusMillis(1));
        assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
    }
}
