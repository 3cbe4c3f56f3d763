package io.interrupthub.bench;

import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Session;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The check a streaming loop makes for every chunk: {@link Session#isInterrupted()} against the
 * physical floor, a plain volatile boolean read. Target: at most 1.2 times the floor.
 *
 * <p>Measured twice: one call per benchmark invocation (the handle is loaded from the benchmark's state
 * each time, one dependent load more than the baseline's own field; {@code baseline_handleVolatileRead}
 * makes the same two loads), and as a streaming loop makes it,
 * 1000 checks against a handle held in a local variable, against 1000 reads of a volatile field of an
 * object held the same way.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SessionFlagBenchmark {

    private static final int CHUNKS = 1000;

    private volatile boolean flag;
    private final Holder holder = new Holder();
    private InterruptManager manager;
    private Session session;

    @Setup
    public void setUp() {
        manager = new InterruptManager(InterruptSettings.defaults());
        session = manager.openSession("device-1");
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public boolean baseline_volatileRead() {
        return flag;
    }

    /**
     * The same read through a handle held in a field, as {@link #isInterrupted()} reaches its session:
     * the floor for a flag that lives in an object rather than in the caller itself.
     */
    @Benchmark
    public boolean baseline_handleVolatileRead() {
        return holder.flag;
    }

    @Benchmark
    public boolean isInterrupted() {
        return session.isInterrupted();
    }

    @Benchmark
    @OperationsPerInvocation(CHUNKS)
    public int baseline_volatileRead_loop() {
        Holder h = holder;
        int seen = 0;
        for (int i = 0; i < CHUNKS; i++) {
            if (h.flag) {
                seen++;
            }
        }
        return seen;
    }

    @Benchmark
    @OperationsPerInvocation(CHUNKS)
    public int isInterrupted_loop() {
        Session s = session;
        int seen = 0;
        for (int i = 0; i < CHUNKS; i++) {
            if (s.isInterrupted()) {
                seen++;
            }
        }
        return seen;
    }

    /** An object with a volatile flag, held like a session handle. */
    static final class Holder {
        volatile boolean flag;
    }
}
