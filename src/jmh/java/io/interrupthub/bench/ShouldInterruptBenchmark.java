package io.interrupthub.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
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
 * The seed's polling check, {@link InterruptManager#shouldInterrupt(String)}, against the physical
 * floor: {@link ConcurrentHashMap#get} on the same 1024 keys, walked in the same order. Measured both
 * for devices whose flag is set and for devices with an open
 * session and no flag (the common case while a turn streams). Target: at most 1.5 times the floor.
 *
 * <p>A second baseline, {@code baseline_mapGetThenVolatileRead}, adds what any per-device flag object
 * costs on top of the lookup: reading a volatile field of the value found.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ShouldInterruptBenchmark {

    private static final int KEYS = 1024;

    @Param({"flag-set", "no-flag"})
    public String devices;

    private InterruptManager manager;
    private final ConcurrentHashMap<String, FlagHolder> map = new ConcurrentHashMap<>();
    private String[] keys;
    private int next;

    @Setup
    public void setUp() {
        // Started, as the service starts it: a started manager on the system clock clears flags on time.
        manager = new InterruptManager(BenchSupport.longFlags(KEYS, KEYS)).start();
        keys = BenchSupport.deviceIds("device", KEYS);
        for (String key : keys) {
            if (devices.equals("flag-set")) {
                manager.interruptAndWait(key, "bench");
            } else {
                manager.openSession(key);
            }
            map.put(key, new FlagHolder(devices.equals("flag-set")));
        }
        BenchSupport.shuffle(keys, 42);
        for (String key : keys) {
            if (manager.shouldInterrupt(key) != devices.equals("flag-set")) {
                throw new IllegalStateException("fixture: unexpected flag for " + key);
            }
        }
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    /** The least a per-device flag can be: an object with a volatile field. */
    static final class FlagHolder {
        volatile boolean set;

        FlagHolder(boolean set) {
            this.set = set;
        }
    }

    @Benchmark
    public Object baseline_mapGet() {
        return map.get(keys[next++ & (KEYS - 1)]);
    }

    @Benchmark
    public boolean baseline_mapGetThenVolatileRead() {
        FlagHolder holder = map.get(keys[next++ & (KEYS - 1)]);
        return holder != null && holder.set;
    }

    @Benchmark
    public boolean shouldInterrupt() {
        return manager.shouldInterrupt(keys[next++ & (KEYS - 1)]);
    }
}
