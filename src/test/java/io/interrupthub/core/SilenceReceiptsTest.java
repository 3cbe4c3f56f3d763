package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Knowing it stopped: the playback edge's stop receipts make an interrupt's silence CONFIRMED, with the
 * time from the interrupt to the last receipt; without them by INTERRUPT_SILENCE_DEADLINE it is MISSED and
 * names the sessions still heard. The clock is moved by hand, so no test waits for a deadline.
 */
class SilenceReceiptsTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-02T15:00:00Z");
    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults(), clock);
    private final List<SilenceReport> heard = new CopyOnWriteArrayList<>();
    private final CountDownLatch releaseModule = new CountDownLatch(1);

    {
        manager.addListener(new InterruptListener() {
            @Override
            public void silenceResolved(SilenceReport silence) {
                heard.add(silence);
            }
        });
    }

    @AfterEach
    void tearDown() {
        releaseModule.countDown();
        manager.close();
    }

    @Test
    void anInterruptIsPendingUntilItsSessionReportsStoppedThenConfirmedWithTheTimeToSilence() {
        Session session = manager.openSession("kitchen", "answer-1", null);
        InterruptFuture future = manager.interrupt("kitchen", "user_barge_in");
        InterruptResult result = future.join();

        assertThat(result.silence().state()).isEqualTo(SilenceState.PENDING);
        assertThat(result.silence().pendingSessions()).containsExactly("answer-1");
        assertThat(result.silence().timeToSilenceMs()).isNull();
        assertThat(future.silence().toCompletableFuture()).isNotDone();

        clock.advance(Duration.ofMillis(350));
        session.stopped();

        SilenceReport confirmed = future.silence().toCompletableFuture().join();
        assertThat(confirmed.state()).isEqualTo(SilenceState.CONFIRMED);
        assertThat(confirmed.timeToSilenceMs()).isEqualTo(350.0);
        assertThat(confirmed.pendingSessions()).isEmpty();
        assertThat(session.stoppedAt()).contains(clock.instant());
        assertThat(manager.history("kitchen", 1)).singleElement().satisfies(h -> {
            assertThat(h.silence().state()).isEqualTo(SilenceState.CONFIRMED);
            assertThat(h.silence().timeToSilenceMs()).isEqualTo(350.0);
        });
        assertThat(heard).containsExactly(confirmed);
    }

    @Test
    void silenceWaitsForEverySessionTheInterruptMarkedAndMeasuresToTheLastReceipt() {
        Session voice = manager.openSession("lounge", "voice", null);
        Session captions = manager.openSession("lounge", "captions", null);
        InterruptFuture future = manager.interrupt("lounge", "user_barge_in");
        future.join();

        clock.advance(Duration.ofMillis(120));
        manager.stopped(captions.sessionId(), null, null);
        assertThat(future.silence().toCompletableFuture())
                .as("voice still plays")
                .isNotDone();
        assertThat(manager.history("lounge", 1).get(0).silence().pendingSessions())
                .containsExactly("voice");

        clock.advance(Duration.ofMillis(580));
        voice.stopped();

        assertThat(future.silence().toCompletableFuture().join())
                .isEqualTo(new SilenceReport("lounge", future.epoch(), SilenceState.CONFIRMED, 700.0, List.of()));
    }

    @Test
    void endingAnInterruptedSessionCountsAsItsStopReceipt() {
        Session session = manager.openSession("hall", "s-end", null);
        InterruptFuture future = manager.interrupt("hall", "user_barge_in");
        future.join();

        clock.advance(Duration.ofMillis(40));
        manager.endSession(session.sessionId());

        SilenceReport report = future.silence().toCompletableFuture().join();
        assertThat(report.state()).isEqualTo(SilenceState.CONFIRMED);
        assertThat(report.timeToSilenceMs()).isEqualTo(40.0);
    }

    @Test
    void withoutEveryReceiptByTheDeadlineTheSilenceIsMissedAndNamesTheSessionsStillHeard() {
        Session quiet = manager.openSession("office", "quiet", null);
        manager.openSession("office", "stuck", null);
        InterruptFuture future = manager.interrupt("office", "user_barge_in");
        future.join();
        quiet.stopped();

        clock.advance(Duration.ofMillis(1_999));
        manager.sweep();
        assertThat(future.silence().toCompletableFuture())
                .as("the deadline has not passed")
                .isNotDone();

        clock.advance(Duration.ofMillis(1));
        manager.sweep();

        SilenceReport missed = future.silence().toCompletableFuture().join();
        assertThat(missed.state()).isEqualTo(SilenceState.MISSED);
        assertThat(missed.pendingSessions()).containsExactly("stuck");
        assertThat(missed.timeToSilenceMs()).isNull();
        assertThat(manager.history("office", 1).get(0).silence()).isEqualTo(missed);

        assertThat(heard).containsExactly(missed);
    }

    @Test
    void aReceiptAfterTheDeadlineIsMissedEvenBeforeTheSweepNoticed() {
        Session late = manager.openSession("porch", "late", null);
        InterruptFuture future = manager.interrupt("porch", "user_barge_in");
        future.join();

        clock.advance(Duration.ofMillis(2_500));
        late.stopped();

        SilenceReport report = future.silence().toCompletableFuture().join();
        assertThat(report.state()).isEqualTo(SilenceState.MISSED);
        assertThat(report.pendingSessions()).containsExactly("late");
        assertThat(late.stoppedAt()).as("the receipt itself is recorded").contains(clock.instant());
        manager.sweep();
        assertThat(manager.history("porch", 1).get(0).silence())
                .as("resolved once")
                .isEqualTo(report);
        assertThat(heard).containsExactly(report);
    }

    @Test
    void theDeadlineIsTheConfiguredSilenceDeadline() {
        try (InterruptManager strict = new InterruptManager(
                InterruptSettings.builder()
                        .silenceDeadline(Duration.ofMillis(300))
                        .build(),
                clock)) {
            strict.openSession("garage", "slow", null);
            InterruptFuture future = strict.interrupt("garage", "user_barge_in");
            future.join();

            clock.advance(Duration.ofMillis(301));
            strict.sweep();

            assertThat(future.silence().toCompletableFuture().join().state()).isEqualTo(SilenceState.MISSED);
        }
    }

    @Test
    void aSessionWhoseAnswerEndedByItselfIsAlreadySilentWhenTheInterruptComes() {
        Session session = manager.openSession("study", "done-talking", null);
        session.stopped();
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        clock.advance(Duration.ofSeconds(1));

        InterruptFuture future = manager.interrupt("study", "user_barge_in");
        InterruptResult result = future.join();

        assertThat(result.silence().state()).isEqualTo(SilenceState.CONFIRMED);
        assertThat(result.silence().timeToSilenceMs()).isEqualTo(0.0);
        assertThat(future.silence().toCompletableFuture()).isCompleted();
    }

    @Test
    void anInterruptThatMarkedNoSessionIsSilentAtOnceAndNotCountedAsAMeasurement() {
        InterruptFuture future = manager.interrupt("empty-room", "user_barge_in");

        assertThat(future.join().silence())
                .isEqualTo(new SilenceReport("empty-room", future.epoch(), SilenceState.CONFIRMED, 0.0, List.of()));
        assertThat(future.silence().toCompletableFuture()).isCompleted();
        assertThat(heard)
                .as("nothing was playing: no time to silence to report")
                .isEmpty();
    }

    @Test
    void theInterruptAnswerCarriesASilenceConfirmedWhileTheModulesStillWorked() throws Exception {
        manager.register(
                Interruptible.of(
                        "audio_generation", ModuleAction.of("stop_generation", cause -> releaseModule.await())),
                ModuleSettings.withTimeout(Duration.ofSeconds(10)));
        Session session = manager.openSession("den", "fast-edge", null);
        InterruptFuture future = manager.interrupt("den", "user_barge_in");
        assertThat(future).isNotDone();

        clock.advance(Duration.ofMillis(90));
        session.stopped();
        releaseModule.countDown();

        InterruptResult result = future.get(15, TimeUnit.SECONDS);
        assertThat(result.silence().state()).isEqualTo(SilenceState.CONFIRMED);
        assertThat(result.silence().timeToSilenceMs()).isEqualTo(90.0);
    }

    @Test
    void aRepeatedReceiptChangesNothingAndAnswersTheSame() {
        Session session = manager.openSession("attic", "twice", null);
        session.reportDelivered(40, 1_000);
        SessionInfo first = manager.stopped(session.sessionId(), 30L, 800L);
        clock.advance(Duration.ofMillis(500));

        SessionInfo again = manager.stopped(session.sessionId(), null, null);
        SessionInfo sameOffsets = manager.stopped(session.sessionId(), 30L, 800L);

        assertThat(again).isEqualTo(first);
        assertThat(sameOffsets).isEqualTo(first);
        assertThat(first.stoppedAt()).isEqualTo(Instant.parse("2026-12-02T15:00:00Z"));
    }

    @Test
    void aRepeatedReceiptWithOtherOffsetsIsAConflictAndChangesNothing() {
        Session session = manager.openSession("cellar", "moved", null);
        session.reportDelivered(40, 1_000);
        SessionInfo first = manager.stopped(session.sessionId(), 30L, 800L);

        assertThatThrownBy(() -> manager.stopped(session.sessionId(), 20L, 600L))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));
        assertThat(session.info()).isEqualTo(first);
    }

    @Test
    void finalOffsetsReplaceTheProducersAndTheInterruptResultKeepsWhatWasHeard() {
        Session session = manager.openSession("nursery", "lullaby", null);
        session.reportDelivered(100, 4_000);
        InterruptResult result = manager.interrupt("nursery", "user_barge_in").join();
        assertThat(result.delivered()).containsExactly(new SessionDelivery("lullaby", 100, 4_000));

        session.stopped(60, 2_500);

        assertThat(session.delivered()).isEqualTo(new Delivered(60, 2_500));
        assertThat(manager.history("nursery", 1).get(0).delivered())
                .containsExactly(new SessionDelivery("lullaby", 60, 2_500));
    }

    @Test
    void anAbsentFinalOffsetKeepsTheProducersValue() {
        Session session = manager.openSession("pantry", "half", null);
        session.reportDelivered(100, 4_000);

        SessionInfo info = manager.stopped(session.sessionId(), null, 3_000L);

        assertThat(info.delivered()).isEqualTo(new Delivered(100, 3_000));
    }

    @Test
    void finalOffsetsBeyondWhatWasProducedOrNegativeAreRefusedAndChangeNothing() {
        Session session = manager.openSession("loft", "bounded", null);
        session.reportDelivered(100, 4_000);
        manager.interrupt("loft", "user_barge_in").join();

        for (long[] bad : new long[][] {{101, 4_000}, {100, 4_001}, {-1, 10}, {10, -1}}) {
            assertThatThrownBy(() -> manager.stopped(session.sessionId(), bad[0], bad[1]))
                    .as("offsets %s, %s", bad[0], bad[1])
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));
        }

        assertThat(session.stoppedAt()).isEmpty();
        assertThat(session.delivered()).isEqualTo(new Delivered(100, 4_000));
        assertThat(manager.history("loft", 1).get(0).silence().state()).isEqualTo(SilenceState.PENDING);
    }

    @Test
    void afterTheStopReceiptTheOffsetsAreFinal() {
        Session session = manager.openSession("yard", "final", null);
        session.reportDelivered(10, 100);
        session.stopped();

        assertThatThrownBy(() -> manager.reportDelivered(session.sessionId(), 20, 200))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));
        assertThat(session.delivered()).isEqualTo(new Delivered(10, 100));
    }

    @Test
    void receiptsForUnknownOrEndedSessionsAreNotFound() {
        Session session = manager.openSession("shed", "gone", null);
        manager.endSession(session.sessionId());

        for (String id : new String[] {"gone", "never-opened"}) {
            assertThatThrownBy(() -> manager.stopped(id, null, null))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.NOT_FOUND));
        }
        session.stopped(); // the in-process handle of an ended session ignores it
        assertThat(session.stoppedAt()).isEmpty();
    }

    @Test
    void receiptsRacingFromManyThreadsResolveTheSilenceExactlyOnce() throws Exception {
        // A module, so the result is recorded on a module thread while the receipts arrive.
        manager.register(Interruptible.of("text_processing", ModuleAction.of("cancel_generation", cause -> {})));
        for (int round = 0; round < 200; round++) {
            String hw = "race-" + round;
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sessions.add(manager.openSession(hw, hw + "-s" + i, null));
            }
            InterruptFuture future = manager.interrupt(hw, "user_barge_in");
            CyclicBarrier start = new CyclicBarrier(sessions.size());
            List<Thread> threads = new ArrayList<>();
            for (Session session : sessions) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    session.stopped();
                    session.stopped(); // a retried receipt
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(10_000);
            }
            future.join();

            SilenceReport report = future.silence().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(report.state()).isEqualTo(SilenceState.CONFIRMED);
            assertThat(manager.history(hw, 1).get(0).silence()).isEqualTo(report);
            for (Session session : sessions) {
                manager.endSession(session.sessionId());
            }
        }
        assertThat(heard).hasSize(200).allSatisfy(r -> assertThat(r.state()).isEqualTo(SilenceState.CONFIRMED));
    }
}
