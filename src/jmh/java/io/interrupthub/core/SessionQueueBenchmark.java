package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tracker's expiry queue alone ({@link SessionQueue}, issue 23), for attribution next to
 * {@code component_skipListTurn}, the same turn on the skip list it replaced (keyed by {@link Deadline}, as
 * the tracker's was): with N open sessions queued, one picked in a fixed random order leaves the queue and
 * comes back at its end, as when a long-open session is interrupted and the next turn's session opens. Both
 * start from the same cold {@link Session} objects. In the core package because the queue is
 * package-private; no device locks are taken (one thread).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@State(Scope.Thread)
public class SessionQueueBenchmark {

    @Param({"1000", "100000", "1000000"})
    public int sessions;

    SessionQueue queue;
    Session[] queued;
    int next;

    ConcurrentSkipListMap<Deadline, Session> skipList;
    Deadline[] keys;
    long millis;

    @Setup
    public void setUp() {
        InterruptSettings settings = InterruptSettings.builder()
                .maxActiveSessions(sessions)
                .sessionTimeout(Duration.ofHours(1))
                .build();
        queue = new SessionQueue(new DeviceTable(sessions), settings, (d, s) -> {}, (d, s) -> {}, s -> {});
        queued = new Session[sessions];
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        for (int i = 0; i < sessions; i++) {
            queued[i] = new Session("session-" + i, "device-" + i, 0, now, settings.sessionTimeout(), 1, null);
            queue.opened(queued[i]);
        }
        Random random = new Random(9);
        for (int i = sessions - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Session t = queued[i];
            queued[i] = queued[j];
            queued[j] = t;
        }
        skipList = new ConcurrentSkipListMap<>();
        keys = new Deadline[sessions];
        millis = now.toEpochMilli() + settings.sessionTimeout().toMillis();
        for (int i = 0; i < sessions; i++) {
            keys[i] = Deadline.at(millis);
            skipList.put(keys[i], queued[i]);
        }
    }

    @Benchmark
    public Object component_queueTurn() {
        int i = next;
        next = i + 1 == sessions ? 0 : i + 1;
        Session session = queued[i];
        queue.closed(session);
        queue.reserve();
        queue.opened(session);
        return session.deadline;
    }

    @Benchmark
    public Object component_skipListTurn() {
        int i = next;
        next = i + 1 == sessions ? 0 : i + 1;
        Session session = queued[i];
        skipList.remove(keys[i], session);
        keys[i] = Deadline.at(session.expiresAt().toEpochMilli());
        return skipList.put(keys[i], session);
    }
}
