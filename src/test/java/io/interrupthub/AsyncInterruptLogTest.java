package io.interrupthub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import io.interrupthub.autoconfigure.QueueLinger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The service's per-interrupt log line goes through a bounded queue: a stalled writer never holds the caller,
 * and every line is either written or counted as dropped. Each test has a Logback context of its own, so
 * nothing here touches the logging of the rest of the test run.
 */
class AsyncInterruptLogTest {

    private final LoggerContext context = new LoggerContext();
    private final Writer writer = new Writer();
    private Logger interrupts;

    @BeforeEach
    void rootWritesToATestAppender() {
        context.setMDCAdapter(new LogbackMDCAdapter()); // what SLF4J's Logback provider gives the context it makes
        writer.setContext(context);
        writer.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(writer);
        interrupts = context.getLogger(AsyncInterruptLog.LOGGER_NAME);
    }

    @AfterEach
    void releaseTheWriter() {
        writer.release.countDown();
        context.stop();
    }

    @Test
    void aStalledWriterHoldsNoInterruptLogCallAndEveryTurnedAwayLineIsCounted() {
        InterruptLogQueue queue = AsyncInterruptLog.install(context, 4);
        writer.block();
        interrupts.info("interrupt 0");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.entered.get() == 1); // the writer holds line 0

        // A call that waited for the writer would never return while it is blocked.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 1; i <= 100; i++) {
                interrupts.info("interrupt {}", i);
            }
        });
        assertThat(queue.dropped()).isEqualTo(96); // 4 queued behind line 0, the rest turned away

        writer.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.lines.size() == 5);
        assertThat(writer.lines)
                .containsExactly("interrupt 0", "interrupt 1", "interrupt 2", "interrupt 3", "interrupt 4");
        assertThat(queue.dropped()).isEqualTo(96);
    }

    @Test
    void queuedLinesAreWrittenByAnotherThreadInTheFormOfTheRootAppenders() {
        AsyncInterruptLog.install(context, 16);
        interrupts.warn("interrupt hardwareId={} outcome=failure", "door-1");

        await().atMost(Duration.ofSeconds(10)).until(() -> writer.lines.size() == 1);
        assertThat(writer.lines).containsExactly("interrupt hardwareId=door-1 outcome=failure");
        assertThat(writer.threads).doesNotContain(Thread.currentThread().getName());
    }

    @Test
    void otherLoggersStillWriteAtOnceAndAreNeverDropped() {
        InterruptLogQueue queue = AsyncInterruptLog.install(context, 1);
        for (int i = 0; i < 50; i++) {
            context.getLogger("io.interrupthub.web").error("request failed {}", i);
        }
        assertThat(writer.lines).hasSize(50); // written on this thread, before the call returned
        assertThat(writer.threads).containsOnly(Thread.currentThread().getName());
        assertThat(queue.dropped()).isZero();
    }

    @Test
    void everyLineIsWrittenOrCountedWhenManyThreadsLogAtOnce() throws Exception {
        InterruptLogQueue queue = AsyncInterruptLog.install(context, 8);
        int threads = 8;
        int perThread = 20_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        interrupts.info("interrupt {}", i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long total = (long) threads * perThread;
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.lines.size() + queue.dropped() == total);
        assertThat(queue.dropped()).as("a queue of 8 under 8 threads overflows").isPositive();
    }

    @Test
    void removingTheQueueWritesWhatItHeldAndLeavesRootsAppendersRunning() {
        InterruptLogQueue queue = AsyncInterruptLog.install(context, 64);
        writer.slow = true;
        for (int i = 0; i < 20; i++) {
            interrupts.info("interrupt {}", i);
        }
        AsyncInterruptLog.uninstall(context);

        assertThat(writer.lines).hasSize(20);
        assertThat(queue.dropped()).isZero();
        assertThat(writer.isStarted()).isTrue();
        assertThat(AsyncInterruptLog.installed(context)).isNull();
        assertThat(interrupts.isAdditive()).isTrue();
        interrupts.info("after");
        assertThat(writer.lines).hasSize(21).last().isEqualTo("after"); // written directly again
    }

    /**
     * The writer pauses after the last line it holds (so that lines logged meanwhile wake nobody). Removed while it
     * pauses, the queue still writes every line logged during the pause, in order, and not with the writer thread's
     * interrupt set, which appenders writing to a channel or a socket fail on.
     */
    @Test
    void removingTheQueueWhileItsWriterPausesWritesEveryLineUninterrupted() {
        // A pause far longer than any test, so the writer is surely in it; removing the queue must end it.
        InterruptLogQueue queue = AsyncInterruptLog.install(context, 64, QueueLinger.of(Duration.ofMinutes(10)));
        interrupts.info("interrupt 0");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.lines.size() == 1);
        Thread writerThread = writer.writingThreads.get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> LockSupport.getBlocker(writerThread) instanceof QueueLinger);
        for (int i = 1; i <= 4; i++) {
            interrupts.info("interrupt {}", i);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> AsyncInterruptLog.uninstall(context));

        assertThat(writer.lines)
                .containsExactly("interrupt 0", "interrupt 1", "interrupt 2", "interrupt 3", "interrupt 4");
        assertThat(writer.interruptedWrites.get())
                .as("lines written with the interrupt set")
                .isZero();
        assertThat(queue.dropped()).isZero();
    }

    @Test
    void installingTwiceKeepsOneQueue() {
        InterruptLogQueue first = AsyncInterruptLog.install(context, 4);
        assertThat(AsyncInterruptLog.install(context, 4)).isSameAs(first);
        interrupts.info("once");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.lines.size() == 1);
        assertThat(writer.lines).containsExactly("once");
    }

    @Test
    void droppedLinesAreAMetric() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InterruptLogMetrics.bindTo(registry, context);
        assertThat(registry.find("interrupt.log.dropped").functionCounter())
                .as("no queue, no metric")
                .isNull();

        AsyncInterruptLog.install(context, 1);
        writer.block();
        interrupts.info("held by the writer");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.entered.get() == 1);
        interrupts.info("queued");
        interrupts.info("dropped");
        interrupts.info("dropped");

        InterruptLogMetrics.bindTo(registry, context);
        assertThat(registry.get("interrupt.log.dropped").functionCounter().count())
                .isEqualTo(2.0);
    }

    /** The appenders Boot would attach to root (console, file), reduced to what the tests observe. */
    static final class Writer extends AppenderBase<ILoggingEvent> {

        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<Thread> writingThreads = new CopyOnWriteArrayList<>();
        final AtomicLong interruptedWrites = new AtomicLong();
        final AtomicLong entered = new AtomicLong();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean blocking;
        volatile boolean slow;

        void block() {
            blocking = true;
        }

        @Override
        protected void append(ILoggingEvent event) {
            entered.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            writingThreads.add(Thread.currentThread());
            if (Thread.currentThread().isInterrupted()) {
                interruptedWrites.incrementAndGet();
            }
            if (blocking) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (slow) {
                Thread.onSpinWait();
                Thread.yield(); // a writer a little slower than the caller, so lines are still queued at removal
            }
            lines.add(event.getFormattedMessage());
        }
    }
}
