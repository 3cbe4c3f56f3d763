package io.interrupthub.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;
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
 * The hot paths with 1k, 100k and 1M sessions open, one per device (so as many devices), every
 * operation on a device picked in a fixed random order so that caches do not flatter the large tables.
 * Target: each costs at most twice at 1M what it costs at 1k. {@code baseline_mapGet} and
 * {@code baseline_mapPutRemove} are the same map operations on a plain {@link ConcurrentHashMap} of the
 * same size and keys, to tell what the memory hierarchy alone costs at each size.
 *
 * <ul>
 *   <li>{@code shouldInterrupt}: the polling check on an existing device;</li>
 *   <li>{@code openEnd}: a second session opened on an existing device and ended;</li>
 *   <li>{@code interruptTurn}: the device is interrupted (its open session marked), the interrupted
 *       session ended and the next turn's session opened, which keeps the table at its size;</li>
 *   <li>{@code sweep}: one pass of the background sweep with nothing due (it runs every 250 ms).</li>
 * </ul>
 *
 * {@code component_skipListTurn} isolates what one part of an interrupt turn cost before issue 23: a
 * {@link ConcurrentSkipListMap} of N deadlines (the tracker's expiry queue then) loses a random entry and
 * gains one at its end, as when a long-open session is interrupted and the next turn's session opens. The
 * tracker now keeps its sessions in {@code SessionQueue}'s linked lists, whose cost does not depend on N.
 *
 * The manager and the plain map live in separate states, so a trial builds only the table it measures.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class ScaleBenchmark {

    @State(Scope.Thread)
    public static class Size {
        @Param({"1000", "100000", "1000000"})
        public int sessions;
    }

    /** N devices, each with one open session, in a manager whose caps are raised to fit them. */
    @State(Scope.Thread)
    public static class Table {
        InterruptManager manager;
        String[] devices;
        String[] sessionIds;
        int size;
        int next;

        @Setup
        public void setUp(Size s) {
            size = s.sessions;
            manager = new InterruptManager(BenchSupport.settings(size + 1024, size + 1024));
            devices = BenchSupport.deviceIds("device", size);
            BenchSupport.shuffle(devices, 3);
            sessionIds = new String[size];
            for (int i = 0; i < size; i++) {
                // Caller-chosen ids make the 1M fixture quicker to build; the measured opens generate theirs.
                sessionIds[i] =
                        manager.openSession(devices[i], "session-" + i, null).sessionId();
            }
            // Walk the devices in another random order than the one they were opened in.
            Object[] pairs = new Object[size];
            for (int i = 0; i < size; i++) {
                pairs[i] = new String[] {devices[i], sessionIds[i]};
            }
            BenchSupport.shuffle(pairs, 5);
            for (int i = 0; i < size; i++) {
                String[] pair = (String[]) pairs[i];
                devices[i] = pair[0];
                sessionIds[i] = pair[1];
            }
            if (manager.activeSessions() != size) {
                throw new IllegalStateException("fixture: " + manager.activeSessions() + " sessions open");
            }
        }

        @TearDown
        public void tearDown() {
            if (manager.activeSessions() != size) {
                throw new IllegalStateException("the table drifted: " + manager.activeSessions() + " sessions open");
            }
            manager.close();
        }

        int nextDevice() {
            int i = next;
            next = i + 1 == size ? 0 : i + 1;
            return i;
        }
    }

    /** The baseline: a plain map from the same N device ids, walked in the same kind of random order. */
    @State(Scope.Thread)
    public static class PlainMap {
        ConcurrentHashMap<String, Object> map;
        String[] devices;
        int size;
        int next;
        long ids;

        @Setup
        public void setUp(Size s) {
            size = s.sessions;
            map = new ConcurrentHashMap<>();
            devices = BenchSupport.deviceIds("device", size);
            BenchSupport.shuffle(devices, 3);
            for (int i = 0; i < size; i++) {
                map.put(devices[i], new Object());
            }
            BenchSupport.shuffle(devices, 5);
        }

        int nextDevice() {
            int i = next;
            next = i + 1 == size ? 0 : i + 1;
            return i;
        }
    }

    /** N keys in a skip list, removed in random order and re-added at the end. */
    @State(Scope.Thread)
    public static class SkipList {
        ConcurrentSkipListMap<Long, Object> queue;
        Long[] keys;
        int size;
        int next;
        long last;

        @Setup
        public void setUp(Size s) {
            size = s.sessions;
            queue = new ConcurrentSkipListMap<>();
            keys = new Long[size];
            for (int i = 0; i < size; i++) {
                keys[i] = (long) i;
                queue.put(keys[i], Boolean.TRUE);
            }
            last = size;
            BenchSupport.shuffle(keys, 9);
        }
    }

    @Benchmark
    public Object component_skipListTurn(SkipList q) {
        int i = q.next;
        q.next = i + 1 == q.size ? 0 : i + 1;
        q.queue.remove(q.keys[i]);
        Long key = q.last++;
        q.keys[i] = key;
        return q.queue.put(key, Boolean.TRUE);
    }

    @Benchmark
    public Object baseline_mapGet(PlainMap p) {
        return p.map.get(p.devices[p.nextDevice()]);
    }

    @Benchmark
    public Object baseline_mapPutRemove(PlainMap p) {
        String id = "s-" + p.ids++;
        p.map.put(id, p.devices[p.nextDevice()]);
        return p.map.remove(id);
    }

    @Benchmark
    public boolean shouldInterrupt(Table t) {
        return t.manager.shouldInterrupt(t.devices[t.nextDevice()]);
    }

    @Benchmark
    public Session openEnd(Table t) {
        Session session = t.manager.openSession(t.devices[t.nextDevice()]);
        t.manager.endSession(session.sessionId());
        return session;
    }

    @Benchmark
    public Session interruptTurn(Table t) {
        int i = t.nextDevice();
        t.manager.interruptAndWait(t.devices[i], "bench");
        t.manager.endSession(t.sessionIds[i]);
        Session next = t.manager.openSession(t.devices[i]);
        t.sessionIds[i] = next.sessionId();
        return next;
    }

    @Benchmark
    public void sweep(Table t) {
        t.manager.sweep();
    }
}
