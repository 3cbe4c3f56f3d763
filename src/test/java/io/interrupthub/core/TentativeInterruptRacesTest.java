package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pause, resume, interrupt, expiry and session end of one device, started together from five threads,
 * round after round: every pause is decided exactly once, by one of them, and leaves no session held.
 */
class TentativeInterruptRacesTest {

    private static final int ROUNDS = 400;

    private final MutableClock clock = MutableClock.startingAt("2026-12-02T20:00:00Z");
    private final ExecutorService threads = Executors.newFixedThreadPool(5);
    private InterruptManager manager;

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        if (manager != null) {
            manager.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TentativeExpiry.class)
    void everyPauseIsDecidedOnceAndLeavesNoSessionHeld(TentativeExpiry expiry) throws Exception {
        manager = new InterruptManager(
                InterruptSettings.builder()
                        .tentativeExpiry(expiry)
                        .maxActiveSessions(10_000)
                        .build(),
                clock);
        List<Pause> ended = new CopyOnWriteArrayList<>();
        manager.addListener(new InterruptListener() {
            @Override
            public void pauseEnded(Pause pause) {
                ended.add(pause);
            }
        });
        int pausesMade = 0;
        int resumesAnswered = 0;
        int interruptsAfterPause = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Session kept = manager.openSession("desk", "kept-" + round, null);
            Session ending = manager.openSession("desk", "ending-" + round, null);
            long epochBefore = kept.epoch();
            CyclicBarrier start = new CyclicBarrier(5);
            List<Callable<Object>> racers = new ArrayList<>();
            racers.add(() -> {
                start.await();
                return manager.pause("desk", "vad", null);
            });
            // Every third round the resume starts a little late, so that the expiry or the interrupt also wins
            // rounds on a machine whose scheduler happens to run the resume first every time.
            long resumeLate = round % 3 == 1 ? TimeUnit.MILLISECONDS.toNanos(2) : 0;
            racers.add(() -> {
                start.await();
                LockSupport.parkNanos(resumeLate);
                try {
                    return manager.resume("desk");
                } catch (InterruptHubException refused) {
                    assertThat(refused.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT);
                    return null;
                }
            });
            boolean interrupting = round % 2 == 0;
            racers.add(() -> {
                start.await();
                return interrupting ? manager.interrupt("desk", "barge_in").join() : null;
            });
            racers.add(() -> {
                start.await();
                clock.advance(Duration.ofSeconds(2));
                manager.sweep();
                return null;
            });
            racers.add(() -> {
                start.await();
                manager.endSession(ending.sessionId());
                return null;
            });
            List<Future<Object>> done = threads.invokeAll(racers, 30, TimeUnit.SECONDS);
            PauseResult paused = (PauseResult) done.get(0).get();
            Pause resumed = (Pause) done.get(1).get();
            InterruptResult interrupt = (InterruptResult) done.get(2).get();
            // Whatever is still open is decided now, as its window's end would.
            clock.advance(Duration.ofSeconds(2));
            manager.sweep();

            assertThat(paused.alreadyPaused()).isFalse();
            pausesMade++;
            if (resumed != null) {
                resumesAnswered++;
                assertThat(resumed.outcome()).isEqualTo(PauseOutcome.RESUMED);
                assertThat(resumed.pausedAt()).isEqualTo(paused.pause().pausedAt());
            }
            if (interrupt != null && interrupt.followedPause() != null) {
                // Confirmed within the window; or the window had ended and the expiry had decided first,
                // the caller's interrupt being the one that carried that decision out.
                assertThat(interrupt.followedPause().outcome())
                        .isIn(PauseOutcome.CONFIRMED, PauseOutcome.EXPIRED_INTERRUPTED);
                if (interrupt.followedPause().outcome() == PauseOutcome.CONFIRMED) {
                    interruptsAfterPause++;
                }
            }
            // Every decision is announced on the thread that took it, so this round's is in by now.
            Pause decided = ended.stream()
                    .filter(p -> p.pausedAt().equals(paused.pause().pausedAt()))
                    .reduce((a, b) -> {
                        throw new AssertionError("pause decided twice: " + a + " and " + b);
                    })
                    .orElseThrow();
            // The pause's decision and the sessions agree; nothing is left held.
            assertThat(manager.currentPause("desk")).isEmpty();
            assertThat(kept.state()).isNotEqualTo(SessionState.PAUSED);
            assertThat(ending.state()).isNotEqualTo(SessionState.PAUSED);
            if (decided.outcome().resumed() && interrupt == null) {
                assertThat(kept.state()).isEqualTo(SessionState.ACTIVE);
                assertThat(manager.flagStatus("desk").epoch()).isEqualTo(epochBefore);
            }
            if (!decided.outcome().resumed()) {
                assertThat(kept.state()).isEqualTo(SessionState.INTERRUPTED);
                assertThat(resumed).isNull();
            }
            if (expiry == TentativeExpiry.RESUME) {
                assertThat(decided.outcome()).isNotEqualTo(PauseOutcome.EXPIRED_INTERRUPTED);
            } else {
                assertThat(decided.outcome()).isNotEqualTo(PauseOutcome.EXPIRED_RESUMED);
            }
            if (kept.state() == SessionState.ACTIVE) {
                manager.endSession(kept.sessionId());
            }
        }
        long decidedTotal = 0;
        for (PauseOutcome outcome : PauseOutcome.values()) {
            decidedTotal += manager.tentativeOutcomes(outcome);
        }
        assertThat(decidedTotal).isEqualTo(pausesMade).isEqualTo(ended.size());
        assertThat(manager.tentativeOutcomes(PauseOutcome.RESUMED)).isEqualTo(resumesAnswered);
        assertThat(manager.tentativeOutcomes(PauseOutcome.CONFIRMED)).isEqualTo(interruptsAfterPause);
        assertThat(manager.activeSessions()).isZero();
        // The race was run, not one order every time: the caller's resume won some rounds and lost others.
        assertThat(resumesAnswered).isPositive().isLessThan(pausesMade);
    }
}
