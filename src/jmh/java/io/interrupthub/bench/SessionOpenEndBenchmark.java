package io.interrupthub.bench;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A session's whole life without an interrupt: {@link InterruptManager#openSession} then
 * {@link InterruptManager#endSession}, with a generated id (a random UUID) and with a caller-chosen
 * id, against the physical floor: put a new id into a {@link ConcurrentHashMap} and remove it; and
 * what generating a random UUID costs on its own.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SessionOpenEndBenchmark {

    private static final int KEYS = 1024;

    private InterruptManager manager;
    private final ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
    private String[] keys;
    private int next;
    private long ids;

    @Setup
    public void setUp() {
        manager = new InterruptManager(BenchSupport.settings(KEYS, KEYS));
        keys = BenchSupport.deviceIds("device", KEYS);
        BenchSupport.shuffle(keys, 11);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public Object baseline_mapPutRemove() {
        String id = "s-" + ids++;
        map.put(id, keys[next++ & (KEYS - 1)]);
        return map.remove(id);
    }

    /** What a generated id alone costs: {@code UUID.randomUUID()} draws from the shared {@code SecureRandom}. */
    @Benchmark
    public String baseline_randomUuid() {
        return UUID.randomUUID().toString();
    }

    @Benchmark
    public Session openEnd_callerId() {
        String id = "s-" + ids++;
        Session session = manager.openSession(keys[next++ & (KEYS - 1)], id, null);
        manager.endSession(id);
        return session;
    }

    @Benchmark
    public Session openEnd_generatedId() {
        Session session = manager.openSession(keys[next++ & (KEYS - 1)]);
        manager.endSession(session.sessionId());
        return session;
    }
}
