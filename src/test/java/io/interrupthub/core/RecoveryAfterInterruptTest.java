package io.interrupthub.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After an interrupt the hub expects the device's next turn: a session opened on it and its first delivery. Each
 * interrupt's history entry says whether that came ({@code RECOVERED}, with the time it took) or not within the
 * recovery deadline ({@code MISSED}). Time is a hand-moved clock; the sweep ends deadlines.
 */
class RecoveryAfterInterruptTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-06T21:00:00Z");
    private final InterruptManager manager = new InterruptManager(
            InterruptSettings.builder().recoveryDeadline(Duration.ofSeconds(10)).build(), clock);
    private final List<RecoveryReport> told = new CopyOnWriteArrayList<>();

    {
        manager.addListener(new InterruptListener() {
            @Override
            public void recoveryResolved(RecoveryReport recovery) {
                told.add(recovery);
            }
        });
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private InterruptResult interrupt() {
        return manager.interruptAndWait("desk", "barge-in");
    }

    private RecoveryReport recoveryInHistory() {
        return manager.history("desk", 1).get(0).recovery();
    }

    @Test
    void theNextTurnsFirstDeliveryRecoversTheInterruptWithTheTimeItTook() {
        manager.openSession("desk");
        InterruptResult result = interrupt();
        assertThat(result.recovery().outcome()).isEqualTo(RecoveryOutcome.PENDING);

        clock.advance(Duration.ofMillis(300));
        Session next = manager.openSession("desk");
        clock.advance(Duration.ofMillis(900));
        manager.reportDelivered(next.sessionId(), 0, 0); // nothing heard yet
        assertThat(recoveryInHistory().outcome()).isEqualTo(RecoveryOutcome.PENDING);
        clock.advance(Duration.ofMillis(100));
        manager.reportDelivered(next.sessionId(), 12, 400);

        RecoveryReport recovery = recoveryInHistory();
        assertThat(recovery.outcome()).isEqualTo(RecoveryOutcome.RECOVERED);
        assertThat(recovery.recoveredMs()).isEqualTo(1300.0);
        assertThat(recovery.sessionId()).isEqualTo(next.sessionId());
        assertThat(recovery.epoch()).isEqualTo(result.epoch());
        assertThat(told).containsExactly(recovery);
        assertThat(manager.awaitedRecoveries()).isZero();
    }

    @Test
    void noDeliveryWithinTheDeadlineMissesTheRecoveryOnce() {
        manager.openSession("desk");
        interrupt();
        manager.openSession("desk"); // a turn that never says anything

        clock.advance(Duration.ofMillis(9_999));
        manager.sweep();
        assertThat(recoveryInHistory().outcome()).isEqualTo(RecoveryOutcome.PENDING);
        clock.advance(Duration.ofMillis(1));
        manager.sweep();
        manager.sweep();

        assertThat(recoveryInHistory().outcome()).isEqualTo(RecoveryOutcome.MISSED);
        assertThat(recoveryInHistory().recoveredMs()).isNull();
        assertThat(told).extracting(RecoveryReport::outcome).containsExactly(RecoveryOutcome.MISSED);
        assertThat(manager.awaitedRecoveries()).isZero();
    }

    @Test
    void aDeliveryAfterTheDeadlineChangesNothing() {
        manager.openSession("desk");
        interrupt();
        clock.advance(Duration.ofSeconds(11));
        manager.sweep();
        Session late = manager.openSession("desk");
        manager.reportDelivered(late.sessionId(), 5, 100);

        assertThat(told).extracting(RecoveryReport::outcome).containsExactly(RecoveryOutcome.MISSED);
    }

    @Test
    void theInterruptedTurnsOwnDeliveriesDoNotCountAsRecovery() {
        Session old = manager.openSession("desk");
        interrupt();
        clock.advance(Duration.ofMillis(200));
        manager.reportDelivered(old.sessionId(), 80, 3_000);

        assertThat(recoveryInHistory().outcome()).isEqualTo(RecoveryOutcome.PENDING);
        assertThat(told).isEmpty();
    }

    @Test
    void anInterruptThatCutsTheNextTurnBeforeItDeliveredSupersedesTheFirstAndIsWatchedItself() {
        manager.openSession("desk");
        interrupt();
        clock.advance(Duration.ofSeconds(1));
        manager.openSession("desk"); // the next turn, cut before it said anything
        InterruptResult second = interrupt();
        Session answer = manager.openSession("desk");
        clock.advance(Duration.ofMillis(700));
        manager.reportDelivered(answer.sessionId(), 3, 0);

        assertThat(told)
                .extracting(RecoveryReport::outcome)
                .containsExactly(RecoveryOutcome.SUPERSEDED, RecoveryOutcome.RECOVERED);
        assertThat(told.get(1).epoch()).isEqualTo(second.epoch());
        assertThat(told.get(1).recoveredMs()).isEqualTo(700.0);
        List<InterruptResult> history = manager.history("desk", 2);
        assertThat(history.get(0).recovery().outcome()).isEqualTo(RecoveryOutcome.RECOVERED);
        assertThat(history.get(1).recovery().outcome()).isEqualTo(RecoveryOutcome.SUPERSEDED);
    }

    @Test
    void anInterruptThatCutNothingIsNotWatchedAndLeavesTheOneBeforeIt() {
        manager.interruptAndWait("idle", "barge-in");
        assertThat(manager.history("idle", 1).get(0).recovery()).isNull();

        manager.openSession("desk");
        interrupt();
        interrupt(); // while the assistant thinks: no session to cut, so the first interrupt's answer is still awaited
        Session answer = manager.openSession("desk");
        manager.reportDelivered(answer.sessionId(), 9, 0);

        assertThat(told).extracting(RecoveryReport::outcome).containsExactly(RecoveryOutcome.RECOVERED);
        assertThat(manager.awaitedRecoveries()).isZero();
    }

    @Test
    void anInterruptAppliedFromAnotherInstanceIsWatchedThereNotHere() {
        manager.openSession("desk");
        InterruptResult applied =
                manager.applyRemote("desk", 7, "barge-in", "peer").join();
        Session next = manager.openSession("desk");
        manager.reportDelivered(next.sessionId(), 4, 0);

        assertThat(applied.recovery()).isNull();
        assertThat(told).isEmpty();
        assertThat(manager.awaitedRecoveries()).isZero();
    }

    @Test
    void devicesAreWatchedApartAndTheWatchEmptiesAsTheyResolve() {
        for (int i = 0; i < 100; i++) {
            manager.openSession("device-" + i);
            manager.interruptAndWait("device-" + i, "barge-in");
        }
        assertThat(manager.awaitedRecoveries()).isEqualTo(100);
        Session one = manager.openSession("device-7");
        manager.reportDelivered(one.sessionId(), 1, 0);
        assertThat(manager.awaitedRecoveries()).isEqualTo(99);
        clock.advance(Duration.ofSeconds(10));
        manager.sweep();

        assertThat(manager.awaitedRecoveries()).isZero();
        assertThat(told).filteredOn(r -> r.outcome() == RecoveryOutcome.MISSED).hasSize(99);
        assertThat(told)
                .filteredOn(r -> r.outcome() == RecoveryOutcome.RECOVERED)
                .singleElement()
                .extracting(RecoveryReport::hardwareId)
                .isEqualTo("device-7");
    }
}
