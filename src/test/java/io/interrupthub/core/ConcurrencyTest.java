package io.interrupthub.core;

import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Many threads at once against one manager: shared structures (devices, sessions, counters, callbacks)
 * must stay exact under contention. Time-based reclaiming is driven by a {@link MutableClock} and
 * {@link InterruptManager#sweep()}; nothing here depends on how fast the machine is.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConcurrencyTest {

    /** Generous: workers normally finish in well under a second; this only catches deadlocks. */
    private static final Duration WORKER_DEADLINE = Duration.ofSeconds(20);

    private static final Duration RESULT_BOUND = Duration.ofSeconds(10);

    /** Keys each changing thread cycles through in {@link #assertEachListedOnceWhileChanging}. */
    private static final int KEYS_EACH = 100;

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private InterruptManager manager;
    private final List<CountDownLatch> toRelease = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        toRelease.forEach(CountDownLatch::countDown);
        if (manager != null) {
            manager.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 1. interrupts of the same and of different devices, with counting modules
    // ---------------------------------------------------------------------------------------------

    @Test
    void concurrentInterruptsCallEachModuleExactlyOncePerEpochAndCountEveryCall() throws Exception {
        manager = new InterruptManager(InterruptSettings.defaults(), clock);
        CountingModule slow = new CountingModule("text_processing", 1);
        CountingModule fast = new CountingModule("audio_generation", 0);
        manager.register(slow);
        manager.register(fast);

        int threads = 12;
        int perThread = 150;
        String[] shared = {"shared-0", "shared-1"};
        Queue<InterruptFuture> futures = new ConcurrentLinkedQueue<>();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        runWorkers("interrupter", threads, WORKER_DEADLINE, t -> {
            Random random = new Random(t);
            Map<String, Long> lastEpoch = new HashMap<>();
            for (int i = 0; i < perThread; i++) {
                String device = i % 3 == 0 ? "own-" + t : shared[random.nextInt(shared.length)];
                InterruptFuture future = manager.interrupt(device, "barge_in", "thread-" + t);
                futures.add(future);
                long previous = lastEpoch.getOrDefault(device, 0L);
                if (future.epoch() < previous) {
                    violations.add(device + ": epoch went back from " + previous + " to " + future.epoch());
                }
                lastEpoch.put(device, future.epoch());
                // Wait for the result: keeps the number of module calls in flight far below the pool's
                // queue, so every fan-out really reaches every module.
                InterruptResult result = future.get(RESULT_BOUND.toSeconds(), TimeUnit.SECONDS);
                if (result.epoch() != future.epoch() || !result.hardwareId().equals(device)) {
                    violations.add("future for " + device + "/" + future.epoch() + " got result " + result);
                }
            }
        });
        assertNoViolations("violations", violations);
        assertThat(futures).hasSize(threads * perThread);

        // Coalesced callers share the result of the one fan-out of their epoch.
        Map<String, Map<Long, Set<InterruptResult>>> resultsByEpoch = new HashMap<>();
        for (InterruptFuture future : futures) {
            InterruptResult result = future.getNow(null);
            assertThat(result).isNotNull();
            assertThat(result.success()).as("all modules are fine: %s", result).isTrue();
            resultsByEpoch
                    .computeIfAbsent(future.hardwareId(), k -> new HashMap<>())
                    .computeIfAbsent(future.epoch(), k -> Collections.newSetFromMap(new IdentityHashMap<>()))
                    .add(result);
        }
        resultsByEpoch.forEach((device, byEpoch) -> byEpoch.forEach((epoch, results) -> assertThat(results)
                .as("one shared result for %s epoch %d", device, epoch)
                .hasSize(1)));

        long fanOuts = 0;
        Set<String> devices = new TreeSet<>(resultsByEpoch.keySet());
        for (String device : devices) {
            long n = manager.flagStatus(device).epoch();
            fanOuts += n;
            Set<Long> expected = LongStream.rangeClosed(1, n).boxed().collect(Collectors.toSet());
            assertThat(resultsByEpoch.get(device).keySet())
                    .as("epochs callers saw for %s", device)
                    .isEqualTo(expected);
            for (CountingModule module : List.of(slow, fast)) {
                Map<Long, Long> callsPerEpoch = module.calls.stream()
                        .filter(c -> c.hardwareId().equals(device))
                        .collect(Collectors.groupingBy(Call::epoch, Collectors.counting()));
                assertThat(callsPerEpoch.keySet())
                        .as("%s: epochs of %s", module.name, device)
                        .isEqualTo(expected);
                assertThat(callsPerEpoch.values())
                        .as("%s: calls per epoch of %s (never twice)", module.name, device)
                        .allMatch(count -> count == 1L);
            }
        }
        assertThat(slow.calls).hasSize((int) fanOuts);
        assertThat(fast.calls).hasSize((int) fanOuts);

        StatisticsSnapshot.Interrupts stats = manager.statistics().interrupts();
        assertThat(stats.succeeded() + stats.failed())
                .as("one recorded outcome per fan-out")
                .isEqualTo(fanOuts);
        assertThat(stats.succeeded() + stats.failed() + stats.coalesced())
                .as("every interrupt() call counted once")
                .isEqualTo((long) threads * perThread);
        assertThat(stats.coalesced())
                .as("concurrent interrupts of a shared device joined a running fan-out")
                .isPositive();
        assertThat(stats.failed()).isZero();
        assertThat(stats.rejected()).isZero();
        assertThat(stats.total()).isEqualTo((long) threads * perThread);
        for (String module : List.of(slow.name, fast.name)) {
            StatisticsSnapshot.ModuleStats moduleStats = moduleStats(module);
            assertThat(moduleStats.ok()).as("%s ok", module).isEqualTo(fanOuts);
            assertThat(moduleStats.failed() + moduleStats.timedOut())
                    .as("%s not ok", module)
                    .isZero();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. opening and ending sessions against the cap
    // ---------------------------------------------------------------------------------------------

    @Test
    void sessionCapIsExactUnderContentionAndEverySessionIsAccountedFor() throws Exception {
        int cap = 50;
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(cap).build(), clock);
        int threads = 16;
        int rounds = 15;
        @SuppressWarnings("unchecked")
        List<Session>[] open = new List[threads];
        for (int t = 0; t < threads; t++) {
            open[t] = new ArrayList<>();
        }
        AtomicInteger openedTotal = new AtomicInteger();
        AtomicInteger refusedTotal = new AtomicInteger();
        AtomicInteger endedTotal = new AtomicInteger();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        for (int round = 0; round < rounds; round++) {
            int openBefore = liveCount(open);
            assertThat(manager.activeSessions()).isEqualTo(openBefore);

            // Phase A: only opens, 8 per thread, on shared and on own devices.
            AtomicInteger openedNow = new AtomicInteger();
            int attemptsPerThread = 8;
            runWorkers("opener", threads, WORKER_DEADLINE, t -> {
                for (int i = 0; i < attemptsPerThread; i++) {
                    String device = t % 2 == 0 ? "cap-shared-" + (i % 3) : "cap-own-" + t;
                    Session s = tryOpen(device, violations, refusedTotal);
                    if (s != null) {
                        open[t].add(s);
                        openedNow.incrementAndGet();
                    }
                }
            });
            openedTotal.addAndGet(openedNow.get());
            assertNoViolations("violations", violations);
            assertThat(openedNow.get())
                    .as("round %d: sessions admitted with %d open before", round, openBefore)
                    .isEqualTo(Math.min(threads * attemptsPerThread, cap - openBefore));
            assertThat(manager.activeSessions())
                    .isEqualTo(openBefore + openedNow.get())
                    .isLessThanOrEqualTo(cap);
            assertListedExactly(open);

            // Phase B: ends and opens interleaved, concurrently.
            int round0 = round;
            runWorkers("churn", threads, WORKER_DEADLINE, t -> {
                Random random = new Random(31L * round0 + t);
                for (int i = 0; i < 6; i++) {
                    if (!open[t].isEmpty() && random.nextBoolean()) {
                        Session s = open[t].remove(random.nextInt(open[t].size()));
                        manager.endSession(s.sessionId());
                        endedTotal.incrementAndGet();
                        if (s.state() != SessionState.ENDED) {
                            violations.add(s.sessionId() + " is " + s.state() + " after endSession");
                        }
                    } else {
                        Session s = tryOpen(
                                t % 3 == 0 ? "cap-own-" + t : "cap-shared-" + (i % 3), violations, refusedTotal);
                        if (s != null) {
                            open[t].add(s);
                            openedTotal.incrementAndGet();
                        }
                    }
                }
            });
            assertNoViolations("violations", violations);
            assertThat(liveCount(open)).isLessThanOrEqualTo(cap);
            assertThat(manager.activeSessions()).isEqualTo(liveCount(open));
            assertListedExactly(open);
        }

        // Everyone ends everything at once.
        runWorkers("closer", threads, WORKER_DEADLINE, t -> {
            for (Session s : open[t]) {
                manager.endSession(s.sessionId());
                endedTotal.incrementAndGet();
            }
            open[t].clear();
        });

        assertThat(manager.activeSessions()).isZero();
        assertThat(manager.sessions(null, 1000)).isEmpty();
        StatisticsSnapshot.Sessions stats = manager.statistics().sessions();
        assertThat(stats.active()).isZero();
        assertThat(stats.opened()).isEqualTo(openedTotal.get());
        assertThat(stats.rejected()).isEqualTo(refusedTotal.get());
        assertThat(stats.ended()).isEqualTo(endedTotal.get());
        assertThat(stats.interrupted()).isZero();
        assertThat(stats.expired()).isZero();
        assertThat(stats.interruptedPendingRemoval()).isZero();
        assertThat(stats.opened())
                .as("opened == ended + interrupted + expired + active")
                .isEqualTo(stats.ended() + stats.interrupted() + stats.expired() + stats.active());
        assertThat(refusedTotal.get()).as("the cap was really reached").isPositive();
        manager.sweep();
        assertThat(manager.trackedDevices()).isZero();
    }

    /**
     * The count a dashboard and a caller see ({@code activeSessions()}, {@code statistics().sessions().active()},
     * the {@code interrupt_sessions_active} gauge) must never read above {@code MAX_ACTIVE_SESSIONS}, even
     * while opens beyond the cap are being refused. Runs until a violation is seen, or for a bounded
     * number of attempts and at most a few seconds.
     */
    @Test
    void activeSessionCountNeverReadsAboveTheCapWhileOpensAreRefused() throws Exception {
        int cap = 50;
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(cap).build(), clock);
        for (int i = 0; i < cap; i++) {
            manager.openSession("full-" + (i % 5));
        }
        int workers = 3;
        int maxAttempts = 2_000_000;
        long budgetNanos = Duration.ofMillis(2500).toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger finished = new AtomicInteger();

        runWorkers("at-cap", workers + 1, WORKER_DEADLINE, t -> {
            long started = System.nanoTime();
            if (t == workers) { // a dedicated sampler, besides the workers' own samples
                for (long reads = 0; !stop.get() || reads < 10_000; reads++) {
                    sample(manager.activeSessions(), cap, maxSeen, stop);
                    if (reads % 64 == 0) {
                        sample(manager.statistics().sessions().active(), cap, maxSeen, stop);
                    }
                }
                return;
            }
            try {
                for (int i = 0; i < maxAttempts && !stop.get() && System.nanoTime() - started < budgetNanos; i++) {
                    attempts.incrementAndGet();
                    try {
                        manager.openSession("full-" + (i % 5), "x-" + t + "-" + i, null);
                        admitted.incrementAndGet();
                    } catch (InterruptHubException e) {
                        if (e.kind() == InterruptHubException.Kind.LIMIT_REACHED) {
                            refused.incrementAndGet();
                        } else {
                            violations.add("refused with " + e.kind() + ": " + e.getMessage());
                        }
                    }
                    sample(manager.activeSessions(), cap, maxSeen, stop);
                }
            } finally {
                if (finished.incrementAndGet() == workers) {
                    stop.set(true);
                }
            }
        });

        assertNoViolations("violations", violations);
        assertThat(admitted.get()).as("nothing is admitted beyond the cap").isZero();
        assertThat(refused.get()).isEqualTo(attempts.get());
        assertThat(manager.statistics().sessions().rejected()).isEqualTo(attempts.get());
        assertThat(manager.activeSessions()).isEqualTo(cap);
        assertThat(maxSeen.get())
                .as(
                        "largest active-session count read while opens were refused at the cap of %d"
                                + " (activeSessions() and statistics().sessions().active())",
                        cap)
                .isLessThanOrEqualTo(cap);
    }

    private static void sample(int value, int cap, AtomicInteger maxSeen, AtomicBoolean stop) {
        maxSeen.accumulateAndGet(value, Math::max);
        if (value > cap) {
            stop.set(true); // seen; no need to keep going
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 3. mixed traffic: open, interrupt, heartbeat, end, list, poll; plus a clock that moves and sweeps
    // ---------------------------------------------------------------------------------------------

    /** A session handle as the test saw it. */
    private static final class Tracked {
        final Session session;
        final boolean staleRequest;
        volatile long openSeq = Long.MAX_VALUE;
        volatile boolean endCalled;
        final AtomicInteger callbacks = new AtomicInteger();
        final AtomicReference<InterruptCause> callbackCause = new AtomicReference<>();

        Tracked(Session session, boolean staleRequest) {
            this.session = session;
            this.staleRequest = staleRequest;
        }

        void callback(InterruptCause cause) {
            callbacks.incrementAndGet();
            callbackCause.set(cause);
        }

        @Override
        public String toString() {
            return session.sessionId() + "@" + session.hardwareId() + "[epoch " + session.epoch() + ", "
                    + session.state() + ", openSeq " + openSeq + ", endCalled " + endCalled + ", callbacks " + callbacks
                    + "]";
        }
    }

    /**
     * Threads open sessions (some for a possibly stale epoch), interrupt, heartbeat, end, list and poll on
     * a few shared devices while a ticker moves the clock and sweeps. An interrupt must reach every session
     * whose open returned before the interrupt call started (checked right after each interrupt returns,
     * using a sequence number taken after open and before interrupt); every handle ends in one state that
     * fits what was done to it; callbacks run once per interrupted session; counters add up; and once every
     * delay has passed, nothing is left. Workers run under a deadline that fails with a thread dump.
     */
    @Test
    void mixedTrafficKeepsEverySessionConsistentAndLeavesNothingBehind() throws Exception {
        InterruptSettings settings =
                InterruptSettings.builder().maxActiveSessions(40).build();
        manager = new InterruptManager(settings, clock);
        CountingModule module = new CountingModule("text_processing", 0);
        manager.register(module);

        String[] devices = {"mix-0", "mix-1", "mix-2", "mix-3"};
        int threads = 12;
        int ops = 400;
        AtomicLong seq = new AtomicLong();
        Map<String, Queue<Tracked>> byDevice = new ConcurrentHashMap<>();
        Map<String, AtomicLong> lastInterruptStart = new ConcurrentHashMap<>();
        for (String device : devices) {
            byDevice.put(device, new ConcurrentLinkedQueue<>());
            lastInterruptStart.put(device, new AtomicLong());
        }
        Queue<Tracked> all = new ConcurrentLinkedQueue<>();
        Queue<InterruptFuture> futures = new ConcurrentLinkedQueue<>();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger interruptCalls = new AtomicInteger();
        AtomicInteger workersFinished = new AtomicInteger();

        runWorkers("mixed", threads + 1, WORKER_DEADLINE, t -> {
            if (t == threads) { // the ticker: moves the clock and sweeps while the others work
                for (int tick = 0; tick < 400 && workersFinished.get() < threads; tick++) {
                    clock.advance(Duration.ofMillis(25));
                    manager.sweep();
                    Thread.sleep(1);
                }
                return;
            }
            try {
                mixedWorker(
                        t,
                        ops,
                        devices,
                        seq,
                        byDevice,
                        lastInterruptStart,
                        all,
                        futures,
                        violations,
                        refusals,
                        interruptCalls);
            } finally {
                workersFinished.incrementAndGet();
            }
        });
        assertNoViolations("violations seen while running", violations);

        for (InterruptFuture future : futures) {
            InterruptResult result = future.get(RESULT_BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.epoch()).isEqualTo(future.epoch());
            assertThat(result.success()).as("%s", result).isTrue();
        }

        // Callbacks run off the interrupting thread: wait until every interrupted session's one has run.
        await().atMost(RESULT_BOUND)
                .untilAsserted(() -> assertThat(all)
                        .filteredOn(tr -> tr.session.state() == SessionState.INTERRUPTED)
                        .allMatch(tr -> tr.callbacks.get() >= 1));

        Map<SessionState, Integer> byState = new HashMap<>();
        for (Tracked tr : all) {
            Session s = tr.session;
            SessionState state = s.state();
            byState.merge(state, 1, Integer::sum);
            assertThat(state).as("%s", tr).isIn(SessionState.ACTIVE, SessionState.INTERRUPTED, SessionState.ENDED);
            assertThat(s.isInterrupted()).as("%s isInterrupted", tr).isEqualTo(state == SessionState.INTERRUPTED);
            assertThat(s.interruptCause().isPresent()).as("%s cause", tr).isEqualTo(state == SessionState.INTERRUPTED);
            if (tr.endCalled) {
                assertThat(state)
                        .as("%s was ended by its owner", tr)
                        .isIn(SessionState.ENDED, SessionState.INTERRUPTED);
            } else {
                assertThat(state).as("%s was never ended", tr).isIn(SessionState.ACTIVE, SessionState.INTERRUPTED);
            }
            if (state == SessionState.INTERRUPTED) {
                InterruptCause cause = s.interruptCause().orElseThrow();
                assertThat(cause.hardwareId()).isEqualTo(s.hardwareId());
                assertThat(cause.epoch())
                        .as("%s interrupted by a newer epoch", tr)
                        .isGreaterThan(s.epoch());
                assertThat(tr.callbacks.get()).as("%s callback runs", tr).isEqualTo(1);
                assertThat(tr.callbackCause.get()).as("%s callback cause", tr).isEqualTo(cause);
            } else {
                assertThat(tr.callbacks.get()).as("%s callback runs", tr).isZero();
            }
            if (state == SessionState.ACTIVE) {
                assertThat(s.epoch())
                        .as("%s: an ACTIVE session is in its device's current turn", tr)
                        .isEqualTo(manager.flagStatus(s.hardwareId()).epoch());
                assertThat(tr.openSeq)
                        .as("%s: still ACTIVE though an interrupt started after it opened", tr)
                        .isGreaterThan(lastInterruptStart.get(s.hardwareId()).get());
            }
        }

        int active = byState.getOrDefault(SessionState.ACTIVE, 0);
        int interrupted = byState.getOrDefault(SessionState.INTERRUPTED, 0);
        int ended = byState.getOrDefault(SessionState.ENDED, 0);
        StatisticsSnapshot.Sessions sessionStats = manager.statistics().sessions();
        assertThat(sessionStats.opened()).isEqualTo(all.size());
        assertThat(sessionStats.rejected()).isEqualTo(refusals.get());
        assertThat(sessionStats.ended()).isEqualTo(ended);
        assertThat(sessionStats.interrupted()).isEqualTo(interrupted);
        assertThat(sessionStats.expired()).isZero();
        assertThat(manager.activeSessions())
                .as("activeSessions() vs handles that are ACTIVE")
                .isEqualTo(active);
        assertThat(sessionStats.active()).isEqualTo(active);

        StatisticsSnapshot.Interrupts interruptStats = manager.statistics().interrupts();
        assertThat(interruptStats.succeeded() + interruptStats.failed() + interruptStats.coalesced())
                .isEqualTo(interruptCalls.get());
        assertThat(interruptStats.failed()).isZero();
        assertThat(interruptStats.rejected()).isZero();
        Map<Call, Long> calls = module.calls.stream().collect(Collectors.groupingBy(c -> c, Collectors.counting()));
        assertThat(calls.values()).as("module called once per (device, epoch)").allMatch(n -> n == 1L);
        assertThat((long) module.calls.size()).isEqualTo(interruptStats.succeeded() + interruptStats.failed());

        // Nothing leaks: end what is open, let every delay pass, sweep.
        for (Tracked tr : all) {
            if (tr.session.state() == SessionState.ACTIVE) {
                manager.endSession(tr.session.sessionId());
            }
        }
        assertThat(manager.activeSessions()).isZero();
        clock.advance(settings.cleanupDelay()
                .plus(settings.sessionTimeout())
                .plus(settings.interruptTimeout())
                .plusSeconds(1));
        manager.sweep();
        StatisticsSnapshot snapshot = manager.statistics();
        assertThat(manager.activeSessions()).isZero();
        assertThat(manager.sessions(null, 1000)).isEmpty();
        assertThat(snapshot.sessions().interruptedPendingRemoval()).isZero();
        assertThat(snapshot.flags().active()).isZero();
        assertThat(manager.trackedDevices()).isZero();
        assertThat(snapshot.sessions().opened())
                .as("opened == ended + interrupted + expired + active")
                .isEqualTo(snapshot.sessions().ended()
                        + snapshot.sessions().interrupted()
                        + snapshot.sessions().expired()
                        + snapshot.sessions().active());
        assertThat(all).allMatch(tr -> manager.session(tr.session.sessionId()).isEmpty(), "no session findable");
    }

    private void mixedWorker(
            int t,
            int ops,
            String[] devices,
            AtomicLong seq,
            Map<String, Queue<Tracked>> byDevice,
            Map<String, AtomicLong> lastInterruptStart,
            Queue<Tracked> all,
            Queue<InterruptFuture> futures,
            Queue<String> violations,
            AtomicInteger refusals,
            AtomicInteger interruptCalls) {
        Random random = new Random(1000 + t);
        List<Tracked> mine = new ArrayList<>();
        long[] lastEpoch = new long[devices.length];
        for (int i = 0; i < ops; i++) {
            int d = random.nextInt(devices.length);
            String device = devices[d];
            int op = random.nextInt(100);
            try {
                if (op < 35) {
                    Long requested = random.nextInt(5) == 0 ? lastEpoch[d] : null;
                    Session s;
                    try {
                        s = manager.openSession(device, null, requested);
                    } catch (InterruptHubException e) {
                        if (e.kind() == InterruptHubException.Kind.LIMIT_REACHED) {
                            refusals.incrementAndGet();
                        } else {
                            violations.add("open(" + device + ", epoch " + requested + ") refused: " + e.kind() + " "
                                    + e.getMessage());
                        }
                        continue;
                    }
                    Tracked tr = new Tracked(s, requested != null);
                    all.add(tr);
                    byDevice.get(device).add(tr);
                    tr.openSeq = seq.incrementAndGet();
                    s.onInterrupt(tr::callback);
                    mine.add(tr);
                    if (requested != null && s.epoch() != requested) {
                        violations.add(tr + " opened with epoch " + requested);
                    }
                    if (s.epoch() < lastEpoch[d]) {
                        violations.add(tr + " opened in an epoch older than one already seen: " + lastEpoch[d]);
                    }
                    if (requested == null) {
                        lastEpoch[d] = Math.max(lastEpoch[d], s.epoch());
                    }
                } else if (op < 55) {
                    long start = seq.incrementAndGet();
                    lastInterruptStart.get(device).accumulateAndGet(start, Math::max);
                    InterruptFuture future = manager.interrupt(device, "barge_in", "mixed-" + t);
                    interruptCalls.incrementAndGet();
                    futures.add(future);
                    if (future.epoch() < lastEpoch[d]) {
                        violations.add(
                                device + ": interrupt epoch " + future.epoch() + " older than seen " + lastEpoch[d]);
                    }
                    lastEpoch[d] = Math.max(lastEpoch[d], future.epoch());
                    for (Tracked tr : byDevice.get(device)) {
                        if (tr.openSeq < start && tr.session.state() == SessionState.ACTIVE) {
                            violations.add(tr + " still ACTIVE after an interrupt of " + device + " (epoch "
                                    + future.epoch() + ", started at seq " + start + ") that began after it opened");
                        }
                    }
                } else if (op < 70) {
                    if (mine.isEmpty()) {
                        continue;
                    }
                    Tracked tr = mine.get(random.nextInt(mine.size()));
                    try {
                        SessionInfo info = manager.heartbeat(tr.session.sessionId());
                        if (!info.sessionId().equals(tr.session.sessionId())
                                || (info.state() != SessionState.ACTIVE && info.state() != SessionState.INTERRUPTED)) {
                            violations.add("heartbeat of " + tr + " answered " + info);
                        }
                    } catch (InterruptHubException e) {
                        if (e.kind() != InterruptHubException.Kind.NOT_FOUND || !tr.session.isInterrupted()) {
                            violations.add("heartbeat of " + tr + " refused: " + e.kind());
                        }
                    }
                } else if (op < 88) {
                    if (mine.isEmpty()) {
                        continue;
                    }
                    Tracked tr = mine.remove(random.nextInt(mine.size()));
                    tr.endCalled = true;
                    try {
                        manager.endSession(tr.session.sessionId());
                    } catch (InterruptHubException e) {
                        if (e.kind() != InterruptHubException.Kind.NOT_FOUND || !tr.session.isInterrupted()) {
                            violations.add("end of " + tr + " refused: " + e.kind());
                        }
                    }
                    SessionState state = tr.session.state();
                    if (state != SessionState.ENDED && state != SessionState.INTERRUPTED) {
                        violations.add(tr + " is " + state + " after endSession");
                    }
                } else if (op < 94) {
                    String filter = random.nextBoolean() ? device : null;
                    for (SessionInfo info : manager.sessions(filter, 1000)) {
                        // A session ended while the list is built may show as ENDED (its state is read after
                        // the filter); nothing in this test expires, so EXPIRED would be wrong.
                        if (info.state() == SessionState.EXPIRED) {
                            violations.add("listed " + info);
                        }
                        if (filter != null && !filter.equals(info.hardwareId())) {
                            violations.add("listed for " + filter + ": " + info);
                        }
                    }
                } else {
                    manager.shouldInterrupt(device);
                    FlagStatus status = manager.flagStatus(device);
                    if (status.epoch() < lastEpoch[d]) {
                        violations.add(device + ": flag epoch " + status.epoch() + " older than seen " + lastEpoch[d]);
                    }
                    lastEpoch[d] = Math.max(lastEpoch[d], status.epoch());
                }
            } catch (RuntimeException e) {
                violations.add("thread " + t + " op " + op + " on " + device + " threw " + stackTrace(e));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 4. callbacks registered while the session is being interrupted
    // ---------------------------------------------------------------------------------------------

    @Test
    void callbackRegisteredWhileInterruptRunsRunsExactlyOnce() throws Exception {
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(1000).build(), clock);
        int pairs = 4;
        int rounds = 100;
        int perRound = 16;
        List<Session> sessions = new ArrayList<>();
        List<AtomicInteger> counts = new ArrayList<>();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        for (int round = 0; round < rounds; round++) {
            List<List<Integer>> indexes = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                List<Integer> mine = new ArrayList<>();
                for (int i = 0; i < perRound; i++) {
                    mine.add(sessions.size());
                    sessions.add(manager.openSession("cb-" + round + "-" + p));
                    counts.add(new AtomicInteger());
                }
                indexes.add(mine);
            }
            int round0 = round;
            runWorkers("callback-race", 2 * pairs, WORKER_DEADLINE, w -> {
                List<Integer> mine = indexes.get(w / 2);
                if (w % 2 == 0) {
                    for (int index : mine) {
                        Session s = sessions.get(index);
                        AtomicInteger count = counts.get(index);
                        s.onInterrupt(cause -> {
                            count.incrementAndGet();
                            if (cause == null
                                    || cause.epoch() <= s.epoch()
                                    || !cause.hardwareId().equals(s.hardwareId())) {
                                violations.add(s.sessionId() + " callback got cause " + cause);
                            }
                        });
                    }
                } else {
                    // Land the interrupt anywhere in the registration loop: before, during or after it.
                    int spins = new Random(round0 * 131L + w).nextInt(3_000);
                    for (int i = 0; i < spins; i++) {
                        Thread.onSpinWait();
                    }
                    String device = sessions.get(mine.get(0)).hardwareId();
                    InterruptResult result =
                            manager.interrupt(device, "barge_in").get(10, TimeUnit.SECONDS);
                    if (result.sessionsInterrupted() != perRound) {
                        violations.add(device + " interrupted " + result.sessionsInterrupted() + " sessions");
                    }
                }
            });
        }
        assertNoViolations("violations", violations);
        assertThat(sessions).allMatch(s -> s.state() == SessionState.INTERRUPTED);
        await().atMost(RESULT_BOUND)
                .untilAsserted(() ->
                        assertThat(counts).as("callbacks run (never zero)").allMatch(c -> c.get() >= 1));
        // A second run would come from the same asynchronous hand-off: the counts must stay at one a while.
        await().during(Duration.ofMillis(100)).atMost(RESULT_BOUND).untilAsserted(() -> {
            List<Integer> wrong = new ArrayList<>();
            for (int i = 0; i < counts.size(); i++) {
                if (counts.get(i).get() != 1) {
                    wrong.add(i);
                }
            }
            assertThat(wrong)
                    .as("sessions whose callback did not run exactly once")
                    .isEmpty();
        });
        assertNoViolations("violations", violations);
    }

    /**
     * A callback registered on a session that ends (not interrupted) at the same moment must never run:
     * the session was never interrupted, and there is no cause to hand it.
     */
    @Test
    void callbackRegisteredWhileSessionEndsNeverRuns() throws Exception {
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(1000).build(), clock);
        int pairs = 4;
        int rounds = 60;
        int perRound = 16;
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger nullCauses = new AtomicInteger();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        List<Session> sessions = new ArrayList<>();

        for (int round = 0; round < rounds; round++) {
            List<List<Session>> perPair = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                List<Session> mine = new ArrayList<>();
                for (int i = 0; i < perRound; i++) {
                    mine.add(manager.openSession("end-race-" + p));
                }
                sessions.addAll(mine);
                perPair.add(mine);
            }
            runWorkers("end-race", 2 * pairs, WORKER_DEADLINE, w -> {
                List<Session> mine = perPair.get(w / 2);
                for (Session s : mine) {
                    if (w % 2 == 0) {
                        manager.endSession(s.sessionId());
                    } else {
                        try {
                            s.onInterrupt(cause -> {
                                runs.incrementAndGet();
                                if (cause == null) {
                                    nullCauses.incrementAndGet();
                                }
                            });
                        } catch (IllegalStateException refusedOnFinishedSession) {
                            // acceptable: a finished session may refuse new callbacks
                        } catch (RuntimeException e) {
                            violations.add("onInterrupt threw " + stackTrace(e));
                        }
                    }
                }
            });
        }
        assertThat(sessions).allMatch(s -> s.state() == SessionState.ENDED);
        assertNoViolations("violations", violations);
        // Callbacks run on their own pool: none may turn up a while later either.
        await().during(Duration.ofMillis(100)).atMost(RESULT_BOUND).untilAsserted(() -> {
            assertThat(nullCauses.get()).as("callbacks run with a null cause").isZero();
            assertThat(runs.get())
                    .as("callbacks run for sessions that were ended, never interrupted")
                    .isZero();
        });
    }

    // ---------------------------------------------------------------------------------------------
    // 5. races on the active-session count and on the session index
    // ---------------------------------------------------------------------------------------------

    /**
     * Opening a session and interrupting its device race for the device lock. Whatever the order, the
     * active-session count must equal the number of sessions that really are ACTIVE: it must never go
     * negative nor drift (a drift below the truth lets more sessions in than the cap allows). The
     * interrupters keep the device's true count near zero, so a drift soon shows as a negative reading;
     * the run stops at the first one, or after a bounded number of opens and a few seconds.
     */
    @Test
    void openRacingWithInterruptKeepsTheActiveCountExact() throws Exception {
        // A small cap keeps the lists of interrupted sessions short (they are trimmed beyond it), so an
        // interrupt reaches a session just opened quickly; refusals at the cap are fine here.
        int cap = 16;
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(cap).build(), clock);
        int openers = 5;
        int interrupters = 3;
        int maxOpensEach = 1_000_000;
        long budgetNanos = Duration.ofSeconds(8).toNanos(); // bounded by count and by time, whichever first
        String device = "hot-0";
        Queue<Session> opened = new ConcurrentLinkedQueue<>();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger minSeen = new AtomicInteger();
        AtomicInteger openersDone = new AtomicInteger();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        runWorkers("open-vs-interrupt", openers + interrupters, WORKER_DEADLINE, w -> {
            long started = System.nanoTime();
            if (w < openers) {
                try {
                    for (int i = 0;
                            i < maxOpensEach && minSeen.get() >= 0 && System.nanoTime() - started < budgetNanos;
                            i++) {
                        try {
                            opened.add(manager.openSession(device, "o-" + w + "-" + i, null));
                        } catch (InterruptHubException e) {
                            if (e.kind() == InterruptHubException.Kind.LIMIT_REACHED) {
                                refusals.incrementAndGet();
                            } else {
                                violations.add("open refused with " + e.kind());
                            }
                        }
                        minSeen.accumulateAndGet(manager.activeSessions(), Math::min);
                    }
                } finally {
                    openersDone.incrementAndGet();
                }
            } else {
                for (int i = 0; i < 10 * maxOpensEach && openersDone.get() < openers; i++) {
                    manager.interrupt(device, "barge_in");
                    minSeen.accumulateAndGet(manager.activeSessions(), Math::min);
                }
            }
        });
        assertNoViolations("violations", violations);

        long stillActive =
                opened.stream().filter(s -> s.state() == SessionState.ACTIVE).count();
        long interrupted = opened.stream()
                .filter(s -> s.state() == SessionState.INTERRUPTED)
                .count();
        StatisticsSnapshot.Sessions stats = manager.statistics().sessions();
        assertThat(stats.opened()).isEqualTo(opened.size());
        assertThat(stats.interrupted()).isEqualTo(interrupted);
        assertThat(stats.rejected()).isEqualTo(refusals.get());
        assertThat(minSeen.get()).as("smallest activeSessions() sampled").isGreaterThanOrEqualTo(0);
        assertThat(manager.activeSessions())
                .as("activeSessions() with %d handles ACTIVE", stillActive)
                .isEqualTo((int) stillActive);
        assertThat(stillActive).as("sessions really ACTIVE vs the cap").isLessThanOrEqualTo(cap);

        for (Session s : opened) {
            if (s.state() == SessionState.ACTIVE) {
                manager.endSession(s.sessionId());
            }
        }
        stats = manager.statistics().sessions();
        assertThat(manager.activeSessions()).isZero();
        assertThat(stats.opened())
                .as("opened == ended + interrupted + expired + active")
                .isEqualTo(stats.ended() + stats.interrupted() + stats.expired() + stats.active());
    }

    /**
     * A session opened for an old epoch is born INTERRUPTED. Listing sessions and looking one up by id at
     * the same moment must never fail. Runs until a failure is seen, or for a bounded number of opens and
     * at most a few seconds.
     */
    @Test
    void listingSessionsWhileStaleSessionsAreBornNeverFails() throws Exception {
        manager = new InterruptManager(InterruptSettings.defaults(), clock);
        String device = "stale-dev";
        manager.interrupt(device, "barge_in").get(10, TimeUnit.SECONDS); // device now at epoch 1
        int openers = 2;
        int listers = 2;
        int maxOpensEach = 500_000;
        long budgetNanos = Duration.ofSeconds(3).toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger openersDone = new AtomicInteger();
        AtomicLong listings = new AtomicLong();
        AtomicInteger latestOpen = new AtomicInteger();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        runWorkers("stale-birth", openers + listers, WORKER_DEADLINE, w -> {
            long started = System.nanoTime();
            if (w < openers) {
                try {
                    for (int i = 0; i < maxOpensEach && !stop.get() && System.nanoTime() - started < budgetNanos; i++) {
                        String id = "stale-" + w + "-" + i;
                        if (w == 0) {
                            latestOpen.set(i);
                        }
                        Session s = manager.openSession(device, id, 0L);
                        if (s.state() != SessionState.INTERRUPTED) {
                            violations.add(id + " born " + s.state() + " for an old epoch");
                        }
                        manager.endSession(id);
                    }
                } finally {
                    openersDone.incrementAndGet();
                }
            } else {
                while (openersDone.get() < openers) {
                    try {
                        if (w % 2 == 0) {
                            manager.sessions(null, 1000);
                        } else {
                            manager.session("stale-0-" + latestOpen.get());
                            manager.session("stale-0-" + (latestOpen.get() + 1));
                        }
                        listings.incrementAndGet();
                    } catch (RuntimeException e) {
                        stop.set(true);
                        if (violations.size() < 5) {
                            violations.add("listing threw " + stackTrace(e));
                        }
                    }
                }
            }
        });
        assertThat(listings.get()).isPositive();
        assertNoViolations("failures while listing sessions", violations);
        assertThat(manager.activeSessions()).isZero();
        assertThat(manager.sessions(null, 1000)).isEmpty();
    }

    /**
     * A client may end a session and open it again under the same id (a retried turn). A listing made meanwhile
     * shows that id once: the session as it was or as it is, never both.
     */
    @Test
    void aListingShowsEachSessionIdOnceWhileIdsAreEndedAndReopened() throws Exception {
        manager = new InterruptManager(
                InterruptSettings.builder().maxActiveSessions(1_000).build(), clock);
        // Opened for the turn before an interrupt, each session is born interrupted: ended, it leaves the tracker
        // still interrupted, as a session does when its removal delay passes, so a stale copy would still be listed.
        manager.interrupt("retry-dev-0", "barge_in").get(10, TimeUnit.SECONDS);
        manager.interrupt("retry-dev-1", "barge_in").get(10, TimeUnit.SECONDS);
        assertEachListedOnceWhileChanging(
                "session ids",
                (worker, step) -> {
                    String id = "retried-" + worker + "-" + (step % KEYS_EACH);
                    if (step >= KEYS_EACH) {
                        manager.endSession(id);
                    }
                    manager.openSession("retry-dev-" + worker, id, 0L);
                },
                () -> manager.sessions(null, 10_000).stream()
                        .map(SessionInfo::sessionId)
                        .toList());
        assertThat(manager.sessions(null, 10_000)).hasSize(2 * KEYS_EACH);
    }

    /** The same for pauses: a device resumed and paused again while pauses are listed is listed once. */
    @Test
    void aListingShowsEachDevicesPauseOnceWhileDevicesAreResumedAndPausedAgain() throws Exception {
        manager = new InterruptManager(InterruptSettings.defaults(), clock);
        assertEachListedOnceWhileChanging(
                "paused devices",
                (worker, step) -> {
                    String device = "paused-" + worker + "-" + (step % KEYS_EACH);
                    if (step >= KEYS_EACH) {
                        manager.resume(device);
                    }
                    manager.pause(device);
                },
                () -> manager.pauses(10_000).stream().map(Pause::hardwareId).toList());
        assertThat(manager.pauses(10_000)).hasSize(2 * KEYS_EACH);
    }

    /** One step of a thread that changes what is listed: step {@code i} acts on key {@code i % KEYS_EACH}. */
    @FunctionalInterface
    interface ChangeStep {
        void run(int worker, int step);
    }

    /**
     * Two threads change what is listed while two threads list, until a listing shows a key twice or for about
     * three seconds. The changing threads cycle through their keys round robin: each comes back after the others,
     * so keys that share a hash bucket keep changing places in it, which is where a map's iterator can meet one
     * key twice.
     */
    private static void assertEachListedOnceWhileChanging(
            String what, ChangeStep change, Supplier<List<String>> listing) throws Exception {
        int changers = 2;
        int listers = 2;
        long budgetNanos = Duration.ofSeconds(3).toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger changersDone = new AtomicInteger();
        AtomicLong listings = new AtomicLong();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        runWorkers("listed-once", changers + listers, WORKER_DEADLINE, w -> {
            long started = System.nanoTime();
            if (w < changers) {
                try {
                    for (int i = 0; i < KEYS_EACH || (!stop.get() && System.nanoTime() - started < budgetNanos); i++) {
                        change.run(w, i);
                    }
                } finally {
                    changersDone.incrementAndGet();
                }
            } else {
                while (changersDone.get() < changers) {
                    listing.get().stream()
                            .collect(Collectors.groupingBy(key -> key, Collectors.counting()))
                            .forEach((key, times) -> {
                                if (times > 1 && violations.size() < 5) {
                                    violations.add(key + " listed " + times + " times in one listing");
                                }
                            });
                    listings.incrementAndGet();
                    stop.set(!violations.isEmpty());
                }
            }
        });
        assertThat(listings.get()).isPositive();
        assertNoViolations(what + " listed twice", violations);
    }

    // ---------------------------------------------------------------------------------------------
    // the watchdog itself
    // ---------------------------------------------------------------------------------------------

    @Test
    void watchdogFailsWithAThreadDumpWhenWorkersHang() {
        CountDownLatch never = new CountDownLatch(1);
        toRelease.add(never);
        assertThatThrownBy(() -> runWorkers("stuck-worker", 2, Duration.ofMillis(300), w -> {
                    if (w == 0) {
                        never.await();
                    }
                }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not finish")
                .hasMessageContaining("thread dump")
                .hasMessageContaining("stuck-worker-0");
    }

    // ---------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Worker {
        void run(int index) throws Exception;
    }

    /**
     * Runs {@code count} workers released together by a barrier. If they have not all finished by the
     * deadline (a deadlock, or a call that never returns), fails with a dump of every thread.
     */
    static void runWorkers(String name, int count, Duration deadline, Worker worker) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(count, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        CyclicBarrier start = new CyclicBarrier(count);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                worker.run(index);
                return null;
            }));
        }
        pool.shutdown();
        if (!pool.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            String dump = threadDump();
            pool.shutdownNow();
            fail(name + " workers did not finish within " + deadline + " (deadlock or a call that never returns);"
                    + " thread dump:\n" + dump);
        }
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new AssertionError(name + " worker failed: " + cause, cause);
            }
        }
    }

    static String threadDump() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder out = new StringBuilder();
        long[] deadlocked = threads.findDeadlockedThreads();
        if (deadlocked != null) {
            out.append("DEADLOCKED threads: ");
            for (ThreadInfo info : threads.getThreadInfo(deadlocked)) {
                out.append(info.getThreadName()).append(' ');
            }
            out.append('\n');
        }
        for (ThreadInfo info : threads.dumpAllThreads(true, true)) {
            out.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                out.append(" on ").append(info.getLockName());
            }
            if (info.getLockOwnerName() != null) {
                out.append(" owned by \"").append(info.getLockOwnerName()).append('"');
            }
            out.append('\n');
            StackTraceElement[] stack = info.getStackTrace();
            for (int i = 0; i < stack.length; i++) {
                out.append("    at ").append(stack[i]).append('\n');
                for (MonitorInfo monitor : info.getLockedMonitors()) {
                    if (monitor.getLockedStackDepth() == i) {
                        out.append("    - locked ").append(monitor).append('\n');
                    }
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static void assertNoViolations(String what, Queue<String> violations) {
        if (!violations.isEmpty()) {
            List<String> first = violations.stream().limit(20).toList();
            fail(what + ": " + violations.size() + " (first " + first.size() + "):\n" + String.join("\n", first));
        }
    }

    private Session tryOpen(String device, Queue<String> violations, AtomicInteger refused) {
        try {
            Session s = manager.openSession(device);
            if (s.state() != SessionState.ACTIVE) {
                violations.add(s.sessionId() + " opened " + s.state());
            }
            return s;
        } catch (InterruptHubException e) {
            if (e.kind() == InterruptHubException.Kind.LIMIT_REACHED) {
                refused.incrementAndGet();
            } else {
                violations.add("open of " + device + " refused with " + e.kind() + ": " + e.getMessage());
            }
            return null;
        }
    }

    private static int liveCount(List<Session>[] open) {
        int n = 0;
        for (List<Session> list : open) {
            n += list.size();
        }
        return n;
    }

    private void assertListedExactly(List<Session>[] open) {
        Set<String> expected = new HashSet<>();
        for (List<Session> list : open) {
            list.forEach(s -> expected.add(s.sessionId()));
        }
        List<SessionInfo> listed = manager.sessions(null, 1000);
        assertThat(listed).allMatch(info -> info.state() == SessionState.ACTIVE);
        assertThat(listed.stream().map(SessionInfo::sessionId).collect(Collectors.toSet()))
                .isEqualTo(expected);
    }

    private StatisticsSnapshot.ModuleStats moduleStats(String module) {
        return manager.statistics().modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no statistics for module " + module));
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    record Call(String hardwareId, long epoch) {}

    /** Records every (hardwareId, epoch) it is called for. */
    static final class CountingModule implements Interruptible {
        final String name;
        final long pauseMillis;
        final Queue<Call> calls = new ConcurrentLinkedQueue<>();

        CountingModule(String name, long pauseMillis) {
            this.name = name;
            this.pauseMillis = pauseMillis;
        }

        @Override
        public String moduleName() {
            return name;
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {
                calls.add(new Call(cause.hardwareId(), cause.epoch()));
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }));
        }
    }
}
