package io.interrupthub.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;

/**
 * In-process signal latency: the time from calling {@link InterruptManager#interrupt} until a
 * streaming loop observes it, over thousands of interrupts, each against its physical baseline.
 *
 * <ul>
 *   <li>{@code callback}: a {@link Session#onInterrupt} callback runs (on the manager's pool); baseline:
 *       handing a task to an idle thread pool ({@code handoff}).</li>
 *   <li>{@code poll}: a loop spinning on {@link Session#isInterrupted()} sees it; baseline: a loop
 *       spinning on a plain volatile boolean that the interrupting thread sets ({@code volatileFlag}).</li>
 *   <li>{@code shouldInterruptPoll}: the same loop on the seed's {@code shouldInterrupt(hardwareId)}.</li>
 *   <li>{@code seed100ms}: the seed's design, a loop that checks the flag every 100 ms. Simulated: the
 *       measured visibility of the flag plus the wait for the next poll, a uniform 0-100 ms phase
 *       (fixed random seed), so the run does not take 50 ms per interrupt.</li>
 * </ul>
 *
 * Usage: {@code SignalLatency <interrupts> <out.json>}.
 */
public final class SignalLatency {

    private static final String DEVICE = "latency-device";

    private SignalLatency() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        Path out = Path.of(args.length > 1 ? args[1] : "signal-latency.json");
        InterruptManager manager = new InterruptManager(BenchSupport.settings(1000, 1000));
        ThreadPoolExecutor handoffPool =
                new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        handoffPool.allowCoreThreadTimeOut(true);
        try {
            int warm = Math.max(200, count / 5);
            // Warm up every path first so the JIT has compiled it; those samples are dropped.
            callback(manager, warm);
            handoff(handoffPool, warm);
            poll(manager, warm, false);
            poll(manager, warm, true);
            volatileFlag(warm);

            long[] callback = callback(manager, count);
            long[] handoff = handoff(handoffPool, count);
            long[] poll = poll(manager, count, false);
            long[] volatileFlag = volatileFlag(count);
            long[] shouldInterruptPoll = poll(manager, count, true);
            long[] seed = new long[count];
            Random phase = new Random(100);
            for (int i = 0; i < count; i++) {
                seed[i] = shouldInterruptPoll[i] + (long) (phase.nextDouble() * 100_000_000L);
            }

            Map<String, Object> root = new LinkedHashMap<>();
            root.put("interrupts", count);
            root.put("callback", Stats.summary(callback));
            root.put("handoff", Stats.summary(handoff));
            root.put("poll", Stats.summary(poll));
            root.put("volatileFlag", Stats.summary(volatileFlag));
            root.put("shouldInterruptPoll", Stats.summary(shouldInterruptPoll));
            root.put("seed100ms", Stats.summary(seed));
            Stats.write(out, root);
        } finally {
            manager.close();
            handoffPool.shutdownNow();
        }
    }

    /** From interrupt() to the session's onInterrupt callback starting. */
    static long[] callback(InterruptManager manager, int count) throws InterruptedException {
        long[] samples = new long[count];
        for (int i = 0; i < count; i++) {
            Session session = manager.openSession(DEVICE);
            AtomicLong seenAt = new AtomicLong();
            CountDownLatch seen = new CountDownLatch(1);
            session.onInterrupt(cause -> {
                seenAt.set(System.nanoTime());
                seen.countDown();
            });
            long t0 = System.nanoTime();
            manager.interrupt(DEVICE, "latency");
            if (!seen.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("callback did not run");
            }
            samples[i] = seenAt.get() - t0;
            manager.endSession(session.sessionId());
        }
        return samples;
    }

    /** Baseline of the callback: from execute() to the task starting on an idle pool thread. */
    static long[] handoff(ThreadPoolExecutor pool, int count) throws InterruptedException {
        long[] samples = new long[count];
        for (int i = 0; i < count; i++) {
            AtomicLong seenAt = new AtomicLong();
            CountDownLatch seen = new CountDownLatch(1);
            long t0 = System.nanoTime();
            pool.execute(() -> {
                seenAt.set(System.nanoTime());
                seen.countDown();
            });
            seen.await();
            samples[i] = seenAt.get() - t0;
        }
        return samples;
    }

    /** From interrupt() to a loop spinning on isInterrupted() (or on shouldInterrupt) seeing it. */
    static long[] poll(InterruptManager manager, int count, boolean seedApi) throws InterruptedException {
        long[] samples = new long[count];
        Poller poller = new Poller();
        Thread thread = new Thread(
                () -> {
                    while (!poller.stop) {
                        Session s = poller.session;
                        if (s != null && (seedApi ? manager.shouldInterrupt(DEVICE) : s.isInterrupted())) {
                            poller.seenAt = System.nanoTime();
                            poller.session = null;
                            poller.seen.countDown();
                        }
                        Thread.onSpinWait();
                    }
                },
                "poller");
        thread.setDaemon(true);
        thread.start();
        try {
            for (int i = 0; i < count; i++) {
                Session session = manager.openSession(DEVICE);
                CountDownLatch seen = new CountDownLatch(1);
                poller.seen = seen;
                poller.session = session;
                long t0 = System.nanoTime();
                manager.interrupt(DEVICE, "latency");
                if (!seen.await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("poller did not see the interrupt");
                }
                samples[i] = poller.seenAt - t0;
                manager.endSession(session.sessionId());
            }
        } finally {
            poller.stop = true;
            thread.join();
        }
        return samples;
    }

    /** Baseline of the poll: a loop spinning on a volatile boolean that the other thread sets. */
    static long[] volatileFlag(int count) throws InterruptedException {
        long[] samples = new long[count];
        FlagPoller poller = new FlagPoller();
        Thread thread = new Thread(
                () -> {
                    while (!poller.stop) {
                        if (poller.armed && poller.flag) {
                            poller.seenAt = System.nanoTime();
                            poller.armed = false;
                            poller.seen.countDown();
                        }
                        Thread.onSpinWait();
                    }
                },
                "flag-poller");
        thread.setDaemon(true);
        thread.start();
        try {
            for (int i = 0; i < count; i++) {
                CountDownLatch seen = new CountDownLatch(1);
                poller.seen = seen;
                poller.flag = false;
                poller.armed = true;
                long t0 = System.nanoTime();
                poller.flag = true;
                seen.await();
                samples[i] = poller.seenAt - t0;
            }
        } finally {
            poller.stop = true;
            thread.join();
        }
        return samples;
    }

    private static final class Poller {
        volatile boolean stop;
        volatile Session session;
        volatile long seenAt;
        volatile CountDownLatch seen;
    }

    private static final class FlagPoller {
        volatile boolean stop;
        volatile boolean armed;
        volatile boolean flag;
        volatile long seenAt;
        volatile CountDownLatch seen;
    }
}
