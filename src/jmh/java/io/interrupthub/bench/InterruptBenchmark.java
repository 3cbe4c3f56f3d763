package io.interrupthub.bench;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole interrupt, {@link InterruptManager#interruptAndWait}, with 0, 5 and 20 registered no-op
 * modules, against the physical floor of the same work: take a per-device lock to mark the flag, hand
 * one no-op task per module to a 16-thread pool (the size of the manager's module pool) and wait for
 * all of them. The difference is the manager's own cost: validation, epochs, timeouts, results,
 * history and statistics.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class InterruptBenchmark {

    private static final int KEYS = 1024;
    private static final Runnable NO_OP = () -> {};

    @Param({"0", "5", "20"})
    public int modules;

    private InterruptManager manager;
    private ThreadPoolExecutor pool;
    private String[] keys;
    private Object[] locks;
    private long[] epochs;
    private volatile long lastEpoch;
    private int next;

    @Setup
    public void setUp() {
        manager = new InterruptManager(BenchSupport.settings(KEYS, KEYS));
        for (int i = 0; i < modules; i++) {
            manager.register(BenchSupport.noOpModule("no_op_" + i));
        }
        keys = BenchSupport.deviceIds("device", KEYS);
        BenchSupport.shuffle(keys, 7);
        locks = new Object[KEYS];
        for (int i = 0; i < KEYS; i++) {
            locks[i] = new Object();
        }
        epochs = new long[KEYS];
        int threads = manager.settings().moduleThreads();
        pool = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(manager.settings().moduleQueueCapacity()),
                runnable -> {
                    Thread thread = new Thread(runnable, "baseline-pool");
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    @TearDown
    public void tearDown() {
        manager.close();
        pool.shutdownNow();
    }

    @Benchmark
    public Object baseline_lockAndFanOut() {
        int i = next++ & (KEYS - 1);
        synchronized (locks[i]) {
            lastEpoch = ++epochs[i];
        }
        if (modules == 0) {
            return lastEpoch;
        }
        CompletableFuture<?>[] calls = new CompletableFuture<?>[modules];
        for (int m = 0; m < modules; m++) {
            calls[m] = CompletableFuture.runAsync(NO_OP, pool);
        }
        return CompletableFuture.allOf(calls).join();
    }

    @Benchmark
    public InterruptResult interruptAndWait() {
        return manager.interruptAndWait(keys[next++ & (KEYS - 1)], "bench");
    }
}
