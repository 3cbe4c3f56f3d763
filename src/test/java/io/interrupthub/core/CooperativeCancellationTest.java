package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The session handle as a producer uses it: the cheap {@code isInterrupted()} check, the unwinding
 * {@code throwIfInterrupted()}, the {@code onInterrupt} push signal, non-interruptible sections, and the
 * epoch rule that stops work planned before an interrupt without ever stopping the next turn.
 */
class CooperativeCancellationTest {

    private static final Duration GENEROUS = Duration.ofSeconds(10);

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults(), clock);
    private final List<Thread> producers = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Thread producer : producers) {
            producer.interrupt();
            producer.join(GENEROUS.toMillis());
        }
        manager.close();
    }

    // ---- isInterrupted / throwIfInterrupted / cause -----------------------------------------------

    @Test
    void anOpenSessionIsNotInterruptedAndThrowIfInterruptedDoesNothing() {
        Session session = manager.openSession("dev-quiet");

        assertThat(session.isInterrupted()).isFalse();
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(session.interruptCause()).isEmpty();
        assertThatCode(session::throwIfInterrupted).doesNotThrowAnyException();
    }

    @Test
    void isInterruptedTurnsTrueAsSoonAsInterruptReturnsAndStaysTrue() {
        Session session = manager.openSession("dev-1");

        InterruptFuture future = manager.interrupt("dev-1", "user_barge_in");

        // Marking happens before interrupt() returns; no need to wait for the modules.
        assertThat(session.isInterrupted()).isTrue();
        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        future.join();
        manager.resetFlag("dev-1");
        manager.openSession("dev-1");
        assertThat(session.isInterrupted())
                .as("stays true, even after the device moves on")
                .isTrue();
    }

    @Test
    void throwIfInterruptedThrowsSessionInterruptedExceptionCarryingTheCause() {
        Session session = manager.openSession("dev-2", "stream-2", null);
        InterruptResult result =
                manager.interrupt("dev-2", "user_barge_in", "vad").join();

        assertThatThrownBy(session::throwIfInterrupted)
                .isInstanceOf(SessionInterruptedException.class)
                .hasMessageContaining("stream-2")
                .hasMessageContaining("epoch " + result.epoch())
                .hasMessageContaining("user_barge_in")
                .satisfies(e -> {
                    InterruptCause cause = ((SessionInterruptedException) e).interruptCause();
                    assertThat(cause.hardwareId()).isEqualTo("dev-2");
                    assertThat(cause.epoch()).isEqualTo(result.epoch());
                    assertThat(cause.reason()).isEqualTo("user_barge_in");
                    assertThat(cause.source()).isEqualTo("vad");
                    assertThat(cause.at()).isEqualTo(clock.instant());
                });
    }

    @Test
    void theCauseGivesReasonEpochAndTimeOfTheInterrupt() {
        Session session = manager.openSession("dev-3");
        long epochBefore = session.epoch();
        Instant at = clock.instant();

        manager.interrupt("dev-3", "wake_word").join();
        clock.advance(Duration.ofSeconds(1));

        InterruptCause cause = session.interruptCause().orElseThrow();
        assertThat(cause.reason()).isEqualTo("wake_word");
        assertThat(cause.epoch()).isEqualTo(epochBefore + 1);
        assertThat(cause.at()).isEqualTo(at);
        assertThat(cause.hardwareId()).isEqualTo("dev-3");
        assertThat(session.info().interruptedAt()).isEqualTo(at);
    }

    // ---- onInterrupt ------------------------------------------------------------------------------

    @Test
    void onInterruptCallbackRunsWhenTheSessionIsInterruptedWithTheCause() throws InterruptedException {
        Session session = manager.openSession("dev-4");
        AtomicReference<InterruptCause> seen = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        session.onInterrupt(cause -> {
            seen.set(cause);
            ran.countDown();
        });
        assertThat(ran.getCount()).as("not before the interrupt").isEqualTo(1);

        InterruptResult result = manager.interrupt("dev-4", "user_barge_in").join();

        assertThat(ran.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(seen.get().epoch()).isEqualTo(result.epoch());
        assertThat(seen.get().reason()).isEqualTo("user_barge_in");
    }

    @Test
    void onInterruptRunsAtOnceOnTheCallingThreadWhenAlreadyInterrupted() {
        Session session = manager.openSession("dev-5");
        manager.interrupt("dev-5", "late_listener").join();
        List<String> threads = new CopyOnWriteArrayList<>();
        AtomicReference<InterruptCause> seen = new AtomicReference<>();

        session.onInterrupt(cause -> {
            threads.add(Thread.currentThread().getName());
            seen.set(cause);
        });

        assertThat(threads).containsExactly(Thread.currentThread().getName());
        assertThat(seen.get().reason()).isEqualTo("late_listener");
    }

    @Test
    void theRunnableFormOfOnInterruptRunsToo() throws InterruptedException {
        Session session = manager.openSession("dev-5r");
        CountDownLatch ran = new CountDownLatch(1);
        session.onInterrupt(ran::countDown);

        manager.interrupt("dev-5r", "x").join();

        assertThat(ran.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void aThrowingCallbackDoesNotKeepTheOthersFromRunning() throws InterruptedException {
        Session session = manager.openSession("dev-6");
        CountDownLatch others = new CountDownLatch(2);
        session.onInterrupt(cause -> others.countDown());
        session.onInterrupt(cause -> {
            throw new IllegalStateException("broken callback");
        });
        session.onInterrupt(cause -> {
            throw new AssertionError("broken too");
        });
        session.onInterrupt(cause -> others.countDown());

        InterruptResult result = manager.interrupt("dev-6", "x").join();

        assertThat(others.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(result.success())
                .as("callbacks are not modules; their failure does not fail the interrupt")
                .isTrue();
    }

    @Test
    void aThrowingCallbackOnAnInterruptedSessionDoesNotReachTheCaller() {
        Session session = manager.openSession("dev-6b");
        manager.interrupt("dev-6b", "x").join();
        AtomicInteger after = new AtomicInteger();

        assertThatCode(() -> session.onInterrupt(cause -> {
                    throw new IllegalStateException("broken callback");
                }))
                .doesNotThrowAnyException();
        session.onInterrupt(cause -> after.incrementAndGet());

        assertThat(after).hasValue(1);
    }

    @Test
    void aCallbackNeverRunsForASessionThatEndedWithoutAnInterrupt() {
        Session session = manager.openSession("dev-7");
        AtomicInteger runs = new AtomicInteger();
        session.onInterrupt(cause -> runs.incrementAndGet());

        manager.endSession(session.sessionId());
        session.onInterrupt(cause -> runs.incrementAndGet());
        manager.interrupt("dev-7", "x").join();

        assertThat(session.state()).isEqualTo(SessionState.ENDED);
        assertThat(session.isInterrupted()).isFalse();
        assertThat(runs).hasValue(0);
    }

    @Test
    void aSessionHoldsAtMostItsMaximumOfCallbacks() {
        try (InterruptManager small = new InterruptManager(
                InterruptSettings.builder().maxCallbacksPerSession(2).build())) {
            Session session = small.openSession("dev-cap");
            session.onInterrupt(cause -> {});
            session.onInterrupt(cause -> {});

            assertThatThrownBy(() -> session.onInterrupt(cause -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("holds 2");
        }
    }

    // ---- non-interruptible sections ---------------------------------------------------------------

    @Test
    void anInterruptDuringANonInterruptibleSectionTakesEffectWhenTheSectionCloses() {
        Session session = manager.openSession("dev-8");
        List<String> callbackThreads = new CopyOnWriteArrayList<>();
        session.onInterrupt(cause -> callbackThreads.add(Thread.currentThread().getName()));

        Session.Section section = session.nonInterruptible();
        InterruptResult result = manager.interrupt("dev-8", "user_barge_in").join();

        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(session.state())
                .as("the service sees it interrupted at once")
                .isEqualTo(SessionState.INTERRUPTED);
        assertThat(session.isInterrupted()).as("but the section is not cut").isFalse();
        assertThatCode(session::throwIfInterrupted).doesNotThrowAnyException();
        assertThat(callbackThreads).as("callbacks wait for the section").isEmpty();

        section.close();

        assertThat(session.isInterrupted()).as("right after the section closes").isTrue();
        assertThat(callbackThreads)
                .as("callbacks run on the closing thread, during close")
                .containsExactly(Thread.currentThread().getName());
        assertThatThrownBy(session::throwIfInterrupted).isInstanceOf(SessionInterruptedException.class);
        assertThat(session.interruptCause().orElseThrow().epoch()).isEqualTo(result.epoch());
    }

    @Test
    void tryWithResourcesProtectsTheWholeBlock() {
        Session session = manager.openSession("dev-8b");
        List<String> history = new CopyOnWriteArrayList<>();

        try (Session.Section ignored = session.nonInterruptible()) {
            history.add("user: hello");
            manager.interrupt("dev-8b", "user_barge_in").join();
            session.throwIfInterrupted();
            history.add("assistant: hi there");
        }

        assertThat(history).containsExactly("user: hello", "assistant: hi there");
        assertThat(session.isInterrupted()).isTrue();
    }

    @Test
    void nestedSectionsHoldTheInterruptUntilTheOutermostCloses() {
        Session session = manager.openSession("dev-9");
        AtomicInteger runs = new AtomicInteger();
        session.onInterrupt(cause -> runs.incrementAndGet());

        Session.Section outer = session.nonInterruptible();
        Session.Section inner = session.nonInterruptible();
        manager.interrupt("dev-9", "x").join();

        inner.close();
        assertThat(session.isInterrupted()).as("outer section still open").isFalse();
        assertThat(runs).hasValue(0);

        outer.close();
        assertThat(session.isInterrupted()).isTrue();
        assertThat(runs).hasValue(1);
    }

    @Test
    void closingASectionTwiceIsHarmless() {
        Session session = manager.openSession("dev-10");
        AtomicInteger runs = new AtomicInteger();
        session.onInterrupt(cause -> runs.incrementAndGet());

        Session.Section outer = session.nonInterruptible();
        Session.Section inner = session.nonInterruptible();
        manager.interrupt("dev-10", "x").join();

        inner.close();
        inner.close();
        assertThat(session.isInterrupted())
                .as("a second close of the inner section must not release the outer")
                .isFalse();
        assertThat(runs).hasValue(0);

        outer.close();
        outer.close();
        assertThat(session.isInterrupted()).isTrue();
        assertThat(runs).as("callbacks run once").hasValue(1);
    }

    @Test
    void aSectionWithoutAnInterruptLeavesNothingBehind() {
        Session session = manager.openSession("dev-11");
        session.nonInterruptible().close();

        assertThat(session.isInterrupted()).isFalse();
        manager.interrupt("dev-11", "x").join();
        assertThat(session.isInterrupted())
                .as("later interrupts take effect at once")
                .isTrue();
    }

    @Test
    void aSectionOpenedAfterTheInterruptDoesNotUndoIt() {
        Session session = manager.openSession("dev-12");
        manager.interrupt("dev-12", "x").join();

        try (Session.Section ignored = session.nonInterruptible()) {
            assertThat(session.isInterrupted()).isTrue();
        }
        assertThat(session.isInterrupted()).isTrue();
    }

    // ---- a streaming loop -------------------------------------------------------------------------

    @Test
    void aStreamingLoopStopsWithinOneIterationOfAnInterrupt() throws InterruptedException {
        Session session = manager.openSession("dev-stream");
        List<Integer> chunks = new CopyOnWriteArrayList<>();
        Thread producer = start(() -> {
            int n = 0;
            while (!session.isInterrupted()) {
                chunks.add(n++);
                sleepQuietly(2);
            }
        });

        await().atMost(GENEROUS).until(() -> chunks.size() >= 5);
        manager.interrupt("dev-stream", "user_barge_in");
        int emittedWhenInterruptReturned = chunks.size();

        producer.join(GENEROUS.toMillis());
        assertThat(producer.isAlive()).as("the loop ended").isFalse();
        assertThat(chunks.size())
                .as("at most one chunk after the interrupt returned")
                .isBetween(emittedWhenInterruptReturned, emittedWhenInterruptReturned + 1);
    }

    @Test
    void aLoopInterruptedAtAKnownChunkEmitsNoFurtherChunk() throws InterruptedException {
        Session session = manager.openSession("dev-lockstep");
        List<Integer> chunks = new CopyOnWriteArrayList<>();
        Semaphore emitted = new Semaphore(0);
        Semaphore proceed = new Semaphore(0);
        Thread producer = start(() -> {
            int n = 0;
            while (!session.isInterrupted()) {
                chunks.add(n++);
                emitted.release();
                proceed.acquireUninterruptibly();
            }
        });

        for (int i = 0; i < 3; i++) {
            assertThat(emitted.tryAcquire(GENEROUS.toMillis(), TimeUnit.MILLISECONDS))
                    .isTrue();
            proceed.release();
        }
        assertThat(emitted.tryAcquire(GENEROUS.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        // The producer has emitted chunk 4 and waits; interrupt now, then let it take its next step.
        manager.interrupt("dev-lockstep", "user_barge_in");
        proceed.release();

        producer.join(GENEROUS.toMillis());
        assertThat(producer.isAlive()).isFalse();
        assertThat(chunks).containsExactly(0, 1, 2, 3);
    }

    @Test
    void aDeepProducerUnwindsWithThrowIfInterrupted() throws InterruptedException {
        Session session = manager.openSession("dev-deep");
        List<Integer> chunks = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread producer = start(() -> {
            try {
                for (int n = 0; ; n++) {
                    produceChunk(session, chunks, n);
                }
            } catch (Throwable t) {
                ended.set(t);
            }
        });

        await().atMost(GENEROUS).until(() -> chunks.size() >= 3);
        long epoch = manager.interrupt("dev-deep", "user_barge_in").epoch();
        int emittedWhenInterruptReturned = chunks.size();

        producer.join(GENEROUS.toMillis());
        assertThat(producer.isAlive()).isFalse();
        assertThat(ended.get()).isInstanceOf(SessionInterruptedException.class);
        assertThat(((SessionInterruptedException) ended.get()).interruptCause().epoch())
                .isEqualTo(epoch);
        assertThat(chunks.size()).isBetween(emittedWhenInterruptReturned, emittedWhenInterruptReturned + 1);
    }

    private static void produceChunk(Session session, List<Integer> chunks, int n) {
        session.throwIfInterrupted();
        chunks.add(n);
        sleepQuietly(2);
    }

    // ---- epochs: work planned before an interrupt ----------------------------------------------------

    @Test
    void anInterruptBeforeTheSessionStartsStreamingStillStopsThatTurn() throws InterruptedException {
        String hw = "dev-planned";
        manager.openSession(hw); // an earlier turn, so the device exists
        long planned = manager.flagStatus(hw).epoch();

        InterruptResult result = manager.interrupt(hw, "user_barge_in").join();
        assertThat(result.epoch()).isEqualTo(planned + 1);

        Session stale = manager.openSession(hw, null, planned);
        assertThat(stale.state()).as("born interrupted").isEqualTo(SessionState.INTERRUPTED);
        assertThat(stale.isInterrupted()).isTrue();
        assertThat(stale.epoch()).isEqualTo(planned);
        assertThatThrownBy(stale::throwIfInterrupted).isInstanceOf(SessionInterruptedException.class);
        AtomicInteger callbacks = new AtomicInteger();
        stale.onInterrupt(cause -> callbacks.incrementAndGet());
        assertThat(callbacks).as("its callbacks run at once").hasValue(1);
        assertThat(manager.flagStatus(hw).interrupted())
                .as("stale work does not start a new turn")
                .isTrue();

        List<Integer> staleChunks = new CopyOnWriteArrayList<>();
        Thread staleLoop = start(() -> {
            for (int n = 0; n < 50 && !stale.isInterrupted(); n++) {
                staleChunks.add(n);
            }
        });
        staleLoop.join(GENEROUS.toMillis());
        assertThat(staleChunks).as("stale work never streams").isEmpty();
    }

    @Test
    void anInterruptBeforeTheSessionStartsNeverStopsTheNextTurn() throws InterruptedException {
        String hw = "dev-next-turn";
        long planned = manager.flagStatus(hw).epoch();
        manager.interrupt(hw, "user_barge_in").join();
        Session stale = manager.openSession(hw, null, planned);
        assertThat(stale.isInterrupted()).isTrue();

        Session next = manager.openSession(hw);

        assertThat(next.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(next.isInterrupted()).isFalse();
        assertThat(next.epoch()).isEqualTo(planned + 1);
        assertThat(manager.shouldInterrupt(hw))
                .as("opening the next turn clears the flag")
                .isFalse();
        AtomicInteger callbacks = new AtomicInteger();
        next.onInterrupt(cause -> callbacks.incrementAndGet());

        List<Integer> chunks = new CopyOnWriteArrayList<>();
        Thread loop = start(() -> {
            int n = 0;
            while (!next.isInterrupted()) {
                chunks.add(n++);
                sleepQuietly(2);
            }
        });
        await().atMost(GENEROUS).until(() -> chunks.size() >= 10);
        clock.advance(Duration.ofSeconds(3)); // past SESSION_CLEANUP_DELAY: the stale session is removed
        manager.sweep();

        assertThat(next.isInterrupted())
                .as("a later check: the earlier interrupt does not reach it")
                .isFalse();
        assertThat(next.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(callbacks).hasValue(0);
        assertThat(loop.isAlive()).as("the next turn is still streaming").isTrue();

        InterruptResult second = manager.interrupt(hw, "another_barge_in").join();
        assertThat(second.epoch()).isEqualTo(planned + 2);
        loop.join(GENEROUS.toMillis());
        assertThat(loop.isAlive()).as("its own interrupt does stop it").isFalse();
        assertThat(next.interruptCause().orElseThrow().reason()).isEqualTo("another_barge_in");
    }

    @Test
    void aSessionOfTheCurrentEpochIsActive() {
        String hw = "dev-current";
        long epoch = manager.interrupt(hw, "x").join().epoch();

        Session session = manager.openSession(hw, null, epoch);

        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(session.isInterrupted()).isFalse();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Thread start(Runnable body) {
        Thread thread = new Thread(body, "producer-" + producers.size());
        thread.setDaemon(true);
        producers.add(thread);
        thread.start();
        return thread;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("producer stopped by the test's teardown", e);
        }
    }
}
