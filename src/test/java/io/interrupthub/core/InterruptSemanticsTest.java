package io.interrupthub.core;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One or more tests for every rule of the contract's "Semantics" section (design/contract.md).
 * Time-based behaviour runs on a {@link MutableClock} and {@link InterruptManager#sweep()}; only module
 * timeouts use real time, and those are kept short with generous upper bounds.
 */
class InterruptSemanticsTest {

    private static final String DEVICE = "kitchen-speaker-7";
    private static final Duration INTERRUPT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CLEANUP_DELAY = Duration.ofSeconds(2);
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(300);
    /** Long enough that a module blocked on a latch never times out while a test looks at it. */
    private static final Duration BLOCKING_MODULE_TIMEOUT = Duration.ofSeconds(30);

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private final List<InterruptManager> managers = new ArrayList<>();
    /** Latches that blocking modules wait on; all released after each test so no thread hangs. */
    private final List<CountDownLatch> gates = new ArrayList<>();

    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        gates.forEach(CountDownLatch::countDown);
        pools.forEach(ExecutorService::shutdownNow);
        managers.forEach(InterruptManager::close);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static InterruptSettings settings(int maxActiveSessions, int maxCallbacks) {
        return InterruptSettings.builder()
                .interruptTimeout(INTERRUPT_TIMEOUT)
                .cleanupDelay(CLEANUP_DELAY)
                .maxActiveSessions(maxActiveSessions)
                .sessionTimeout(SESSION_TIMEOUT)
                .maxCallbacksPerSession(maxCallbacks)
                .build();
    }

    private InterruptManager manager() {
        return manager(InterruptSettings.defaults());
    }

    private InterruptManager manager(InterruptSettings settings) {
        InterruptManager manager = new InterruptManager(settings, clock);
        managers.add(manager);
        return manager;
    }

    private CountDownLatch gate() {
        CountDownLatch gate = new CountDownLatch(1);
        gates.add(gate);
        return gate;
    }

    private static Interruptible module(String name, ModuleAction... actions) {
        return Interruptible.of(name, actions);
    }

    /** A module that counts its calls per epoch and then blocks until {@code gate} opens. */
    private static Interruptible blockingModule(
            String name, CountDownLatch gate, Map<Long, AtomicInteger> callsByEpoch, CountDownLatch entered) {
        return module(name, ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
            callsByEpoch
                    .computeIfAbsent(cause.epoch(), e -> new AtomicInteger())
                    .incrementAndGet();
            entered.countDown();
            gate.await();
        }));
    }

    /** A text_processing module that holds every fan-out until {@code gate} opens, counting calls per epoch. */
    private record BlockedFanOut(CountDownLatch gate, CountDownLatch entered, Map<Long, AtomicInteger> calls) {}

    private BlockedFanOut blockFanOut(InterruptManager manager) {
        BlockedFanOut blocked = new BlockedFanOut(gate(), new CountDownLatch(1), new ConcurrentHashMap<>());
        manager.register(
                blockingModule("text_processing", blocked.gate(), blocked.calls(), blocked.entered()),
                ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));
        return blocked;
    }

    private static InterruptResult await5s(Future<InterruptResult> future) throws Exception {
        return future.get(5, TimeUnit.SECONDS);
    }

    private static ModuleResult moduleResult(InterruptResult result, String module) {
        return result.modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result for module " + module + " in " + result));
    }

    private static InterruptHubException.Kind kindOf(Runnable call) {
        try {
            call.run();
        } catch (InterruptHubException e) {
            return e.kind();
        }
        throw new AssertionError("expected an InterruptHubException");
    }

    // ---- rule 1: what an interrupt does, in order ---------------------------------------------

    @Nested
    class Rule1InterruptSequence {

        @Test
        void interruptBumpsEpoch() throws Exception {
            InterruptManager manager = manager();
            long before = manager.flagStatus(DEVICE).epoch();

            InterruptFuture first = manager.interrupt(DEVICE, "user_barge_in");
            InterruptResult firstResult = await5s(first);
            InterruptFuture second = manager.interrupt(DEVICE, "user_barge_in");
            InterruptResult secondResult = await5s(second);

            assertThat(first.epoch()).isEqualTo(before + 1);
            assertThat(firstResult.epoch()).isEqualTo(first.epoch());
            assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
            assertThat(secondResult.epoch()).isEqualTo(second.epoch());
            assertThat(manager.flagStatus(DEVICE).epoch()).isEqualTo(second.epoch());
        }

        @Test
        void interruptSetsFlagVisibleAtOnce() throws Exception {
            InterruptManager manager = manager();
            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            // Visible as soon as interrupt() returns, before the fan-out has finished.
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            await5s(future);

            FlagStatus status = manager.flagStatus(DEVICE);
            assertThat(status.interrupted()).isTrue();
            assertThat(status.epoch()).isEqualTo(future.epoch());
            assertThat(status.setAt()).isEqualTo(clock.instant());
            assertThat(status.expiresAt()).isEqualTo(clock.instant().plus(INTERRUPT_TIMEOUT));
            assertThat(status.checkIntervalMs()).isEqualTo(100);
            assertThat(manager.shouldInterrupt("another-device")).isFalse();
        }

        @Test
        void interruptSetsFlagWhileModulesStillRun() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch gate = gate();
            CountDownLatch entered = new CountDownLatch(1);
            manager.register(
                    blockingModule("text_processing", gate, new ConcurrentHashMap<>(), entered),
                    ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(future).isNotDone();
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            gate.countDown();
            assertThat(await5s(future).success()).isTrue();
        }

        @Test
        void interruptMarksOpenSessionsInterruptedAndFiresTheirCallbacks() throws Exception {
            InterruptManager manager = manager();
            Session a = manager.openSession(DEVICE);
            Session b = manager.openSession(DEVICE);
            Session other = manager.openSession("living-room-2");
            List<InterruptCause> causesA = new CopyOnWriteArrayList<>();
            List<InterruptCause> causesB = new CopyOnWriteArrayList<>();
            AtomicBoolean otherFired = new AtomicBoolean();
            a.onInterrupt(causesA::add);
            b.onInterrupt(causesB::add);
            other.onInterrupt(() -> otherFired.set(true));

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in", "voice-gateway");
            // Marking happens before interrupt() returns; callbacks may run on a pool thread.
            assertThat(a.isInterrupted()).isTrue();
            assertThat(b.isInterrupted()).isTrue();
            assertThat(a.state()).isEqualTo(SessionState.INTERRUPTED);
            assertThat(b.state()).isEqualTo(SessionState.INTERRUPTED);
            InterruptResult result = await5s(future);

            await().atMost(Duration.ofSeconds(5)).until(() -> causesA.size() == 1 && causesB.size() == 1);
            assertThat(causesA.get(0).epoch()).isEqualTo(future.epoch());
            assertThat(causesA.get(0).reason()).isEqualTo("user_barge_in");
            assertThat(causesA.get(0).source()).isEqualTo("voice-gateway");
            assertThat(result.sessionsInterrupted()).isEqualTo(2);
            assertThat(moduleResult(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);

            assertThat(other.isInterrupted()).isFalse();
            assertThat(other.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(otherFired).isFalse();
        }

        @Test
        void callbacksSeeTheFlagAlreadySet() throws Exception {
            InterruptManager manager = manager();
            Session session = manager.openSession(DEVICE);
            AtomicReference<Boolean> flagSeen = new AtomicReference<>();
            AtomicReference<Long> epochSeen = new AtomicReference<>();
            session.onInterrupt(cause -> {
                flagSeen.set(manager.shouldInterrupt(DEVICE));
                epochSeen.set(manager.flagStatus(DEVICE).epoch());
            });

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            await5s(future);

            await().atMost(Duration.ofSeconds(5)).until(() -> flagSeen.get() != null);
            assertThat(flagSeen.get()).isTrue();
            assertThat(epochSeen.get()).isEqualTo(future.epoch());
        }

        @Test
        void interruptCallsEnabledModulesAfterSessionsAreMarked() throws Exception {
            InterruptManager manager = manager();
            Session session = manager.openSession(DEVICE);
            List<String> calls = new CopyOnWriteArrayList<>();
            AtomicReference<Boolean> sessionInterruptedWhenCalled = new AtomicReference<>();
            AtomicReference<InterruptCause> seenCause = new AtomicReference<>();
            manager.register(module("text_processing", ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
                sessionInterruptedWhenCalled.set(session.isInterrupted());
                seenCause.set(cause);
                calls.add("text_processing");
            })));
            manager.register(module(
                    "audio_generation",
                    ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> calls.add("audio_generation"))));

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in", "gateway");
            InterruptResult result = await5s(future);

            assertThat(calls).containsExactlyInAnyOrder("text_processing", "audio_generation");
            assertThat(sessionInterruptedWhenCalled.get()).isTrue();
            assertThat(seenCause.get().hardwareId()).isEqualTo(DEVICE);
            assertThat(seenCause.get().epoch()).isEqualTo(future.epoch());
            assertThat(seenCause.get().reason()).isEqualTo("user_barge_in");
            assertThat(seenCause.get().source()).isEqualTo("gateway");
            assertThat(seenCause.get().at()).isEqualTo(clock.instant());
            assertThat(result.modules())
                    .extracting(ModuleResult::module)
                    .containsExactly("session_management", "text_processing", "audio_generation");
            assertThat(result.modules()).extracting(ModuleResult::outcome).containsOnly(ModuleOutcome.OK);
            assertThat(result.success()).isTrue();
        }

        @Test
        void modulesRunInParallel() throws Exception {
            InterruptManager manager = manager();
            // Each module waits for the other to have started: only possible if they run at the same time.
            CountDownLatch bothStarted = new CountDownLatch(2);
            ModuleAction.Body body = cause -> {
                bothStarted.countDown();
                if (!bothStarted.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other module never started");
                }
            };
            manager.register(
                    module("text_processing", ModuleAction.of(ModuleAction.CANCEL_GENERATION, body)),
                    ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));
            manager.register(
                    module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, body)),
                    ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));

            InterruptResult result = manager.interrupt(DEVICE, "user_barge_in").get(20, TimeUnit.SECONDS);

            assertThat(result.success()).as(result.toString()).isTrue();
        }

        @Test
        void interruptRecordsOutcomeInHistoryAndStatistics() throws Exception {
            InterruptManager manager = manager();
            manager.register(module("text_processing", ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {})));
            List<InterruptResult> heard = new CopyOnWriteArrayList<>();
            manager.addListener(new InterruptListener() {
                @Override
                public void interruptCompleted(InterruptResult result) {
                    heard.add(result);
                }
            });
            manager.openSession(DEVICE);

            InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

            assertThat(manager.history(null, 10)).containsExactly(result);
            assertThat(manager.history(DEVICE, 10)).containsExactly(result);
            assertThat(heard).containsExactly(result);
            assertThat(result.hardwareId()).isEqualTo(DEVICE);
            assertThat(result.reason()).isEqualTo("user_barge_in");
            assertThat(result.startedAt()).isEqualTo(clock.instant());
            assertThat(result.durationMs()).isGreaterThanOrEqualTo(0.0);
            StatisticsSnapshot stats = manager.statistics();
            assertThat(stats.interrupts().total()).isEqualTo(1);
            assertThat(stats.interrupts().succeeded()).isEqualTo(1);
            assertThat(stats.interrupts().failed()).isZero();
            assertThat(stats.latency().window()).isEqualTo(1);
            assertThat(stats.sessions().interrupted()).isEqualTo(1);
            assertThat(stats.modules())
                    .filteredOn(m -> m.module().equals("text_processing"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.ok()).isEqualTo(1));
            assertThat(manager.interruptRequests("success")).isEqualTo(1);
        }

        @Test
        void interruptWithoutReasonIsRecordedAsUnspecified() throws Exception {
            InterruptManager manager = manager();
            InterruptResult result = await5s(manager.interrupt(DEVICE, null));
            assertThat(result.reason()).isEqualTo("unspecified");
        }

        @Test
        void interruptedSessionsStayVisibleUntilCleanupDelay() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            Session session = manager.openSession(DEVICE);
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            clock.advance(CLEANUP_DELAY.minusMillis(1));
            manager.sweep();

            assertThat(manager.session(session.sessionId())).contains(session);
            assertThat(manager.sessions(null, 100))
                    .extracting(SessionInfo::sessionId)
                    .containsExactly(session.sessionId());
            assertThat(manager.sessions(DEVICE, 100))
                    .singleElement()
                    .satisfies(info -> assertThat(info.state()).isEqualTo(SessionState.INTERRUPTED));
        }

        @Test
        void interruptedSessionsDisappearAfterCleanupDelay() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            Session session = manager.openSession(DEVICE);
            Session bystander = manager.openSession("living-room-2");
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            clock.advance(CLEANUP_DELAY);
            // Lookups hide it from the moment it is due, even before the sweep runs ...
            assertThat(manager.session(session.sessionId())).isEmpty();
            assertThat(manager.sessions(DEVICE, 100)).isEmpty();
            manager.sweep();
            // ... and after the sweep it is gone for good.
            assertThat(manager.session(session.sessionId())).isEmpty();
            assertThat(manager.sessions(null, 100))
                    .extracting(SessionInfo::sessionId)
                    .containsExactly(bystander.sessionId());
            assertThat(manager.statistics().sessions().interruptedPendingRemoval())
                    .isZero();
            assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        }
    }

    // ---- rule 2: flag expiry, reset, turns and epochs -------------------------------------------

    @Nested
    class Rule2FlagTurnsAndEpochs {

        @Test
        void flagExpiresAfterInterruptTimeout() throws Exception {
            InterruptManager manager = manager();
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            clock.advance(INTERRUPT_TIMEOUT.minusMillis(1));
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            assertThat(manager.activeFlags()).isEqualTo(1);

            clock.advance(Duration.ofMillis(1));
            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();
            assertThat(manager.flagStatus(DEVICE).expiresAt()).isNull();
            assertThat(manager.activeFlags()).isZero();
        }

        @Test
        void resetFlagClearsIt() throws Exception {
            InterruptManager manager = manager();
            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            await5s(future);
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();

            manager.resetFlag(DEVICE);

            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();
            assertThat(manager.flagStatus(DEVICE).epoch()).isEqualTo(future.epoch());
        }

        @Test
        void resetFlagIsIdempotent() throws Exception {
            InterruptManager manager = manager();
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            manager.resetFlag(DEVICE);
            manager.resetFlag(DEVICE);
            manager.resetFlag("never-seen-device");

            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.shouldInterrupt("never-seen-device")).isFalse();
            // Resetting an unknown device creates no state for it.
            assertThat(manager.trackedDevices()).isEqualTo(1);
        }

        @Test
        void resetFlagLeavesInterruptedSessionsInterrupted() throws Exception {
            InterruptManager manager = manager();
            Session session = manager.openSession(DEVICE);
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            manager.resetFlag(DEVICE);

            assertThat(session.isInterrupted()).isTrue();
            assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        }

        @Test
        void openingSessionClearsFlagAndStartsNewTurn() throws Exception {
            InterruptManager manager = manager();
            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            await5s(future);
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();

            Session session = manager.openSession(DEVICE);

            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();
            assertThat(session.epoch()).isEqualTo(future.epoch());
            assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(session.isInterrupted()).isFalse();
        }

        @Test
        void sessionBelongsToCurrentEpoch() throws Exception {
            InterruptManager manager = manager();
            Session first = manager.openSession(DEVICE);
            assertThat(first.epoch()).isEqualTo(manager.flagStatus(DEVICE).epoch());

            await5s(manager.interrupt(DEVICE, "one"));
            await5s(manager.interrupt(DEVICE, "two"));
            Session later = manager.openSession(DEVICE);

            assertThat(later.epoch()).isEqualTo(first.epoch() + 2);
            assertThat(later.info().epoch()).isEqualTo(later.epoch());
            // Naming the current epoch explicitly is the same as naming none.
            Session explicit = manager.openSession(DEVICE, null, later.epoch());
            assertThat(explicit.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(explicit.epoch()).isEqualTo(later.epoch());
        }

        @Test
        void sessionOpenedWithOlderEpochIsBornInterrupted() throws Exception {
            InterruptManager manager = manager();
            long planned = manager.flagStatus(DEVICE).epoch();
            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            await5s(future);
            manager.resetFlag(DEVICE);

            Session stale = manager.openSession(DEVICE, "stale-work-1", planned);

            assertThat(stale.isInterrupted()).isTrue();
            assertThat(stale.state()).isEqualTo(SessionState.INTERRUPTED);
            assertThat(stale.epoch()).isEqualTo(planned);
            assertThat(stale.info().interruptedAt()).isEqualTo(clock.instant());
            assertThat(stale.interruptCause()).isPresent();
            assertThat(manager.activeSessions()).isZero();

            AtomicReference<Thread> ranOn = new AtomicReference<>();
            stale.onInterrupt(() -> ranOn.set(Thread.currentThread()));
            assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        }

        @Test
        void staleSessionDoesNotStartNewTurn() throws Exception {
            InterruptManager manager = manager();
            long planned = manager.flagStatus(DEVICE).epoch();
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            manager.openSession(DEVICE, null, planned);

            // Stale work of the old turn must not clear the flag the new interrupt set.
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        }

        @Test
        void sessionWithEpochAheadOfDeviceIsRefusedWithConflict() throws Exception {
            InterruptManager manager = manager();
            await5s(manager.interrupt(DEVICE, "user_barge_in"));
            long current = manager.flagStatus(DEVICE).epoch();

            assertThatThrownBy(() -> manager.openSession(DEVICE, "from-the-future", current + 1))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));

            assertThat(manager.session("from-the-future")).isEmpty();
            assertThat(manager.activeSessions()).isZero();
            // The refusal changed nothing: the flag is still set and the epoch is unchanged.
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            assertThat(manager.flagStatus(DEVICE).epoch()).isEqualTo(current);
            // And the id is free for a valid open.
            assertThat(manager.openSession(DEVICE, "from-the-future", current).state())
                    .isEqualTo(SessionState.ACTIVE);
        }

        @Test
        void sessionWithEpochAheadOfUnknownDeviceIsRefusedWithConflict() {
            InterruptManager manager = manager();
            assertThat(kindOf(() -> manager.openSession("fresh-device", null, 5L)))
                    .isEqualTo(InterruptHubException.Kind.CONFLICT);
        }

        @Test
        void interruptNeverReachesSessionOpenedAfterIt() throws Exception {
            InterruptManager manager = manager();
            Session old = manager.openSession(DEVICE);
            InterruptFuture first = manager.interrupt(DEVICE, "user_barge_in");
            await5s(first);

            Session next = manager.openSession(DEVICE);
            AtomicInteger fired = new AtomicInteger();
            next.onInterrupt(fired::incrementAndGet);

            assertThat(old.isInterrupted()).isTrue();
            assertThat(next.epoch()).isGreaterThan(old.epoch());
            assertThat(next.isInterrupted()).isFalse();
            assertThat(next.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(fired).hasValue(0);

            // The next interrupt, with a newer epoch, does reach it.
            InterruptFuture second = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(await5s(second).sessionsInterrupted()).isEqualTo(1);
            assertThat(next.isInterrupted()).isTrue();
            assertThat(next.interruptCause().orElseThrow().epoch()).isEqualTo(second.epoch());
            await().atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 1);
        }

        @Test
        void interruptInFlightNeverReachesSessionOpenedDuringItsFanOut() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch gate = gate();
            CountDownLatch entered = new CountDownLatch(1);
            manager.register(
                    blockingModule("text_processing", gate, new ConcurrentHashMap<>(), entered),
                    ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));
            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            Session next = manager.openSession(DEVICE);
            gate.countDown();
            InterruptResult result = await5s(future);

            assertThat(result.sessionsInterrupted()).isZero();
            assertThat(next.isInterrupted()).isFalse();
            assertThat(next.state()).isEqualTo(SessionState.ACTIVE);
        }
    }

    // ---- rule 3: interrupting a device with no sessions ------------------------------------------

    @Test
    void interruptOfDeviceWithNoSessionsSucceedsAndSetsFlag() throws Exception {
        InterruptManager manager = manager();
        AtomicInteger calls = new AtomicInteger();
        manager.register(module(
                "text_processing", ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> calls.incrementAndGet())));

        InterruptResult result = await5s(manager.interrupt("never-seen-device", "user_barge_in"));

        assertThat(result.success()).isTrue();
        assertThat(result.sessionsInterrupted()).isZero();
        assertThat(result.epoch()).isPositive();
        assertThat(calls).hasValue(1);
        assertThat(manager.shouldInterrupt("never-seen-device")).isTrue();
        assertThat(manager.flagStatus("never-seen-device").interrupted()).isTrue();
    }

    // ---- rule 4: coalescing ------------------------------------------------------------------------

    @Nested
    class Rule4Coalescing {

        @Test
        void concurrentInterruptsWhileFanOutRunsCoalesce() throws Exception {
            InterruptManager manager = manager();
            BlockedFanOut blocked = blockFanOut(manager);
            CountDownLatch gate = blocked.gate();
            CountDownLatch entered = blocked.entered();
            Map<Long, AtomicInteger> calls = blocked.calls();
            Session session = manager.openSession(DEVICE);

            InterruptFuture first = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            InterruptFuture second = manager.interrupt(DEVICE, "user_barge_in_again");

            assertThat(second.epoch()).isEqualTo(first.epoch());
            assertThat(second).isNotSameAs(first);
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();
            gate.countDown();
            InterruptResult r1 = await5s(first);
            InterruptResult r2 = await5s(second);

            assertThat(r2).isEqualTo(r1);
            assertThat(calls).containsOnlyKeys(first.epoch());
            assertThat(calls.get(first.epoch())).hasValue(1);
            assertThat(r1.sessionsInterrupted()).isEqualTo(1);
            assertThat(session.interruptCause().orElseThrow().epoch()).isEqualTo(first.epoch());
            StatisticsSnapshot.Interrupts counts = manager.statistics().interrupts();
            assertThat(counts.coalesced()).isEqualTo(1);
            assertThat(counts.succeeded()).isEqualTo(1);
            assertThat(counts.total()).isEqualTo(2);
            assertThat(manager.history(DEVICE, 10)).hasSize(1);
            assertThat(manager.flagStatus(DEVICE).epoch()).isEqualTo(first.epoch());
        }

        @Test
        void manyConcurrentCallersShareOneFanOut() throws Exception {
            InterruptManager manager = manager();
            BlockedFanOut blocked = blockFanOut(manager);
            CountDownLatch gate = blocked.gate();
            CountDownLatch entered = blocked.entered();
            Map<Long, AtomicInteger> calls = blocked.calls();
            InterruptFuture first = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            int callers = 8;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            pools.add(pool);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<InterruptFuture>> joined = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                joined.add(pool.submit(() -> {
                    start.await();
                    return manager.interrupt(DEVICE, "user_barge_in");
                }));
            }
            start.countDown();
            List<InterruptFuture> futures = new ArrayList<>();
            for (Future<InterruptFuture> f : joined) {
                futures.add(f.get(5, TimeUnit.SECONDS));
            }
            gate.countDown();

            InterruptResult expected = await5s(first);
            for (InterruptFuture f : futures) {
                assertThat(f.epoch()).isEqualTo(first.epoch());
                assertThat(await5s(f)).isEqualTo(expected);
            }
            assertThat(calls).containsOnlyKeys(first.epoch());
            assertThat(calls.get(first.epoch())).hasValue(1);
            assertThat(manager.statistics().interrupts().coalesced()).isEqualTo(callers);
        }

        @Test
        void interruptAfterFanOutFinishedGetsNewEpoch() throws Exception {
            InterruptManager manager = manager();
            AtomicInteger calls = new AtomicInteger();
            manager.register(module(
                    "text_processing",
                    ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> calls.incrementAndGet())));

            InterruptFuture first = manager.interrupt(DEVICE, "a");
            await5s(first);
            InterruptFuture second = manager.interrupt(DEVICE, "b");
            await5s(second);

            assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
            assertThat(calls).hasValue(2);
            assertThat(manager.statistics().interrupts().coalesced()).isZero();
        }

        @Test
        void sessionOpenedDuringFanOutGetsItsOwnInterrupt() throws Exception {
            InterruptManager manager = manager();
            BlockedFanOut blocked = blockFanOut(manager);
            CountDownLatch gate = blocked.gate();
            CountDownLatch entered = blocked.entered();
            Map<Long, AtomicInteger> calls = blocked.calls();
            Session old = manager.openSession(DEVICE);

            InterruptFuture first = manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            Session fresh = manager.openSession(DEVICE);
            AtomicInteger freshFired = new AtomicInteger();
            fresh.onInterrupt(freshFired::incrementAndGet);
            InterruptFuture second = manager.interrupt(DEVICE, "user_barge_in_again");

            assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
            assertThat(fresh.isInterrupted()).isTrue();
            assertThat(fresh.interruptCause().orElseThrow().epoch()).isEqualTo(second.epoch());
            gate.countDown();
            InterruptResult r1 = await5s(first);
            InterruptResult r2 = await5s(second);

            assertThat(r1.epoch()).isEqualTo(first.epoch());
            assertThat(r2.epoch()).isEqualTo(second.epoch());
            assertThat(r1.sessionsInterrupted()).isEqualTo(1);
            assertThat(r2.sessionsInterrupted()).isEqualTo(1);
            assertThat(old.interruptCause().orElseThrow().epoch()).isEqualTo(first.epoch());
            // Each epoch called the module exactly once.
            assertThat(calls).containsOnlyKeys(first.epoch(), second.epoch());
            assertThat(calls.values()).allSatisfy(c -> assertThat(c).hasValue(1));
            assertThat(manager.statistics().interrupts().coalesced()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> freshFired.get() == 1);
        }

        @Test
        void coalescedInterruptRefreshesFlag() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch gate = gate();
            CountDownLatch entered = new CountDownLatch(1);
            manager.register(
                    blockingModule("text_processing", gate, new ConcurrentHashMap<>(), entered),
                    ModuleSettings.withTimeout(BLOCKING_MODULE_TIMEOUT));
            manager.interrupt(DEVICE, "user_barge_in");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            manager.resetFlag(DEVICE);
            clock.advance(Duration.ofSeconds(1));

            manager.interrupt(DEVICE, "user_barge_in_again");

            // A caller that joined still sets the flag it asked for.
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            assertThat(manager.flagStatus(DEVICE).setAt()).isEqualTo(clock.instant());
            gate.countDown();
        }
    }

    // ---- rule 5: failing, hanging and slow modules --------------------------------------------------

    @Nested
    class Rule5ModuleFailures {

        @Test
        void throwingModuleIsFailedWithErrorAndOthersStillRun() throws Exception {
            InterruptManager manager = manager();
            AtomicInteger okCalls = new AtomicInteger();
            manager.register(module("text_processing", ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
                throw new IllegalStateException("model server went away");
            })));
            manager.register(module(
                    "audio_generation",
                    ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> okCalls.incrementAndGet())));
            Session session = manager.openSession(DEVICE);

            InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

            ModuleResult failed = moduleResult(result, "text_processing");
            assertThat(failed.outcome()).isEqualTo(ModuleOutcome.FAILED);
            assertThat(failed.error()).contains("cancel_generation").contains("model server went away");
            assertThat(moduleResult(result, "audio_generation").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(moduleResult(result, "audio_generation").error()).isNull();
            assertThat(moduleResult(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(okCalls).hasValue(1);
            assertThat(session.isInterrupted()).isTrue();
            assertThat(result.success()).isFalse();

            StatisticsSnapshot stats = manager.statistics();
            assertThat(stats.interrupts().failed()).isEqualTo(1);
            assertThat(stats.interrupts().succeeded()).isZero();
            assertThat(stats.modules())
                    .filteredOn(m -> m.module().equals("text_processing"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.failed()).isEqualTo(1));
        }

        @Test
        void hangingModuleTimesOutAndResultStillArrives() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch never = gate();
            AtomicInteger okCalls = new AtomicInteger();
            Duration timeout = Duration.ofMillis(200);
            manager.register(
                    module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> never.await())),
                    ModuleSettings.withTimeout(timeout));
            manager.register(module(
                    "text_processing",
                    ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> okCalls.incrementAndGet())));

            long start = System.nanoTime();
            InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            ModuleResult timedOut = moduleResult(result, "audio_generation");
            assertThat(timedOut.outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
            assertThat(timedOut.error()).contains("0.2 s");
            assertThat(timedOut.durationMs()).isEqualTo(200.0);
            assertThat(moduleResult(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(okCalls).hasValue(1);
            assertThat(result.success()).isFalse();
            // It waited for the timeout (lower bound only; machines are noisy).
            assertThat(elapsedMs).isGreaterThanOrEqualTo(150);
            assertThat(manager.statistics().modules())
                    .filteredOn(m -> m.module().equals("audio_generation"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.timedOut()).isEqualTo(1));
        }

        @Test
        void hangingModuleDoesNotBlockTheCaller() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch never = gate();
            manager.register(
                    module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> never.await())),
                    ModuleSettings.withTimeout(Duration.ofMillis(300)));

            InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");

            // interrupt() returns at once with the epoch; the flag is already up.
            assertThat(future.epoch()).isPositive();
            assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
            assertThat(await5s(future).success()).isFalse();
        }

        @Test
        void hangingModuleThreadIsInterruptedAtTimeout() throws Exception {
            InterruptManager manager = manager();
            CountDownLatch never = gate();
            CountDownLatch wasInterrupted = new CountDownLatch(1);
            manager.register(
                    module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            wasInterrupted.countDown();
                            throw e;
                        }
                    })),
                    ModuleSettings.withTimeout(Duration.ofMillis(200)));

            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            assertThat(wasInterrupted.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    // ---- rule 6: session cap and heartbeat expiry ----------------------------------------------------

    @Nested
    class Rule6SessionCapAndExpiry {

        @Test
        void sessionBeyondMaxActiveSessionsIsRefusedAndNothingEvicted() {
            InterruptManager manager = manager(settings(3, 64));
            Session s1 = manager.openSession(DEVICE);
            Session s2 = manager.openSession(DEVICE);
            Session s3 = manager.openSession("living-room-2");

            assertThatThrownBy(() -> manager.openSession("hallway-3", "fourth", null))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED));

            for (Session s : List.of(s1, s2, s3)) {
                assertThat(s.state()).isEqualTo(SessionState.ACTIVE);
                assertThat(manager.session(s.sessionId())).contains(s);
            }
            assertThat(manager.session("fourth")).isEmpty();
            assertThat(manager.activeSessions()).isEqualTo(3);
            assertThat(manager.statistics().sessions().rejected()).isEqualTo(1);
            assertThat(manager.sessionEvents("rejected")).isEqualTo(1);
        }

        @Test
        void afterEndingOneSessionANewOneOpens() {
            InterruptManager manager = manager(settings(2, 64));
            Session s1 = manager.openSession(DEVICE);
            manager.openSession(DEVICE);
            assertThat(kindOf(() -> manager.openSession(DEVICE))).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);

            manager.endSession(s1.sessionId());
            Session s3 = manager.openSession(DEVICE);

            assertThat(s3.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(manager.activeSessions()).isEqualTo(2);
            assertThat(kindOf(() -> manager.openSession(DEVICE))).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);
        }

        @Test
        void interruptedSessionsFreeTheirSlots() throws Exception {
            InterruptManager manager = manager(settings(2, 64));
            manager.openSession(DEVICE);
            manager.openSession(DEVICE);
            await5s(manager.interrupt(DEVICE, "user_barge_in"));

            assertThat(manager.activeSessions()).isZero();
            manager.openSession(DEVICE);
            manager.openSession(DEVICE);
            assertThat(kindOf(() -> manager.openSession(DEVICE))).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);
        }

        @Test
        void sessionsWithoutHeartbeatExpireAfterSessionTimeout() {
            InterruptManager manager = manager(settings(100, 64));
            Session session = manager.openSession(DEVICE);
            List<SessionInfo> events = new CopyOnWriteArrayList<>();
            manager.addListener(new InterruptListener() {
                @Override
                public void sessionChanged(SessionInfo info) {
                    events.add(info);
                }
            });

            clock.advance(SESSION_TIMEOUT.minusMillis(1));
            manager.sweep();
            assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(manager.session(session.sessionId())).isPresent();

            clock.advance(Duration.ofMillis(1));
            manager.sweep();

            assertThat(session.state()).isEqualTo(SessionState.EXPIRED);
            assertThat(session.isInterrupted()).isFalse();
            assertThat(manager.session(session.sessionId())).isEmpty();
            assertThat(manager.sessions(null, 100)).isEmpty();
            assertThat(manager.sessions(DEVICE, 100)).isEmpty();
            assertThat(manager.activeSessions()).isZero();
            assertThat(manager.statistics().sessions().expired()).isEqualTo(1);
            assertThat(events).extracting(SessionInfo::state).containsExactly(SessionState.EXPIRED);
            assertThat(kindOf(() -> manager.heartbeat(session.sessionId())))
                    .isEqualTo(InterruptHubException.Kind.NOT_FOUND);
        }

        @Test
        void heartbeatPostponesExpiry() {
            InterruptManager manager = manager(settings(100, 64));
            Session session = manager.openSession(DEVICE);

            clock.advance(Duration.ofSeconds(200));
            SessionInfo afterBeat = manager.heartbeat(session.sessionId());
            assertThat(afterBeat.lastHeartbeatAt()).isEqualTo(clock.instant());
            assertThat(afterBeat.expiresAt()).isEqualTo(clock.instant().plus(SESSION_TIMEOUT));

            clock.advance(Duration.ofSeconds(200)); // 400 s after open, 200 s after the heartbeat
            manager.sweep();
            assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(manager.session(session.sessionId())).isPresent();

            clock.advance(Duration.ofSeconds(100)); // 300 s after the heartbeat
            manager.sweep();
            assertThat(session.state()).isEqualTo(SessionState.EXPIRED);
            assertThat(manager.session(session.sessionId())).isEmpty();
        }

        @Test
        void expiredSessionsFreeTheirSlots() {
            InterruptManager manager = manager(settings(1, 64));
            manager.openSession(DEVICE);
            assertThat(kindOf(() -> manager.openSession(DEVICE))).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);

            clock.advance(SESSION_TIMEOUT);
            manager.sweep();

            assertThat(manager.openSession(DEVICE).state()).isEqualTo(SessionState.ACTIVE);
        }
    }

    // ---- rule 7: the master switch --------------------------------------------------------------------

    @Nested
    class Rule7Disabled {

        @Test
        void disabledInterruptThrowsDisabledAndNothingChanges() {
            InterruptManager manager =
                    manager(InterruptSettings.builder().enabled(false).build());
            AtomicInteger calls = new AtomicInteger();
            manager.register(module(
                    "text_processing",
                    ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> calls.incrementAndGet())));
            Session session = manager.openSession(DEVICE);
            long epochBefore = manager.flagStatus(DEVICE).epoch();
            AtomicInteger fired = new AtomicInteger();
            session.onInterrupt(fired::incrementAndGet);

            assertThatThrownBy(() -> manager.interrupt(DEVICE, "user_barge_in"))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.DISABLED));

            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).interrupted()).isFalse();
            assertThat(manager.flagStatus(DEVICE).epoch()).isEqualTo(epochBefore);
            assertThat(session.isInterrupted()).isFalse();
            assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(fired).hasValue(0);
            assertThat(calls).hasValue(0);
            assertThat(manager.history(null, 100)).isEmpty();
            StatisticsSnapshot stats = manager.statistics();
            assertThat(stats.enabled()).isFalse();
            assertThat(stats.interrupts().rejected()).isEqualTo(1);
            assertThat(stats.interrupts().succeeded()).isZero();
            assertThat(stats.interrupts().failed()).isZero();
            assertThat(stats.sessions().interrupted()).isZero();
        }

        @Test
        void disabledInterruptOfUnknownDeviceCreatesNoState() {
            InterruptManager manager =
                    manager(InterruptSettings.builder().enabled(false).build());

            assertThat(kindOf(() -> manager.interrupt("never-seen-device", "x")))
                    .isEqualTo(InterruptHubException.Kind.DISABLED);

            assertThat(manager.trackedDevices()).isZero();
            assertThat(manager.flagStatus("never-seen-device").epoch()).isZero();
        }

        @Test
        void disabledShouldInterruptIsFalse() {
            InterruptManager manager =
                    manager(InterruptSettings.builder().enabled(false).build());
            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.activeFlags()).isZero();
        }
    }

    // ---- rule 8: everything bounded and reclaimed ------------------------------------------------------

    @Nested
    class Rule8Bounded {

        @Test
        void historyKeepsOnlyNewestAndIsNewestFirst() throws Exception {
            InterruptManager manager =
                    manager(InterruptSettings.builder().historySize(3).build());
            List<InterruptResult> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(await5s(manager.interrupt(i % 2 == 0 ? "dev-a" : "dev-b", "r" + i)));
            }

            List<InterruptResult> recent = manager.history(null, 100);
            assertThat(recent).extracting(InterruptResult::reason).containsExactly("r4", "r3", "r2");
            assertThat(recent).containsExactly(all.get(4), all.get(3), all.get(2));
            assertThat(manager.history(null, 2))
                    .extracting(InterruptResult::reason)
                    .containsExactly("r4", "r3");
        }

        @Test
        void historyFiltersByHardwareId() throws Exception {
            InterruptManager manager =
                    manager(InterruptSettings.builder().historySize(3).build());
            for (int i = 0; i < 5; i++) {
                await5s(manager.interrupt(i % 2 == 0 ? "dev-a" : "dev-b", "r" + i));
            }

            assertThat(manager.history("dev-a", 100))
                    .extracting(InterruptResult::reason)
                    .containsExactly("r4", "r2");
            assertThat(manager.history("dev-b", 100))
                    .extracting(InterruptResult::reason)
                    .containsExactly("r3");
            assertThat(manager.history("dev-c", 100)).isEmpty();
            assertThat(manager.history("dev-a", 100))
                    .allSatisfy(r -> assertThat(r.hardwareId()).isEqualTo("dev-a"));
        }

        @Test
        void devicesAreReclaimedAfterIdle() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            await5s(manager.interrupt("dev-a", "x"));
            await5s(manager.interrupt("dev-b", "x"));
            assertThat(manager.trackedDevices()).isEqualTo(2);

            manager.sweep();
            assertThat(manager.trackedDevices()).as("flags still live").isEqualTo(2);

            clock.advance(INTERRUPT_TIMEOUT);
            manager.sweep();

            assertThat(manager.trackedDevices()).isZero();
            assertThat(manager.statistics().flags().devicesTracked()).isZero();
        }

        @Test
        void refusedOpenLeavesNoDeviceBehind() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            Session kept = manager.openSession("dev-a", "taken-id", null);
            assertThat(manager.trackedDevices()).isEqualTo(1);

            assertThatThrownBy(() -> manager.openSession("dev-new", null, 1_000_000L))
                    .isInstanceOf(InterruptHubException.class)
                    .hasMessageContaining("ahead");
            assertThatThrownBy(() -> manager.openSession("dev-other", "taken-id", null))
                    .isInstanceOf(InterruptHubException.class)
                    .hasMessageContaining("already exists");

            assertThat(manager.trackedDevices())
                    .as("no entry for dev-new nor dev-other")
                    .isEqualTo(1);
            assertThat(manager.statistics().flags().devicesTracked()).isEqualTo(1);
            assertThat(manager.flagStatus("dev-new").epoch()).isZero();
            assertThat(manager.session(kept.sessionId())).isPresent();
        }

        @Test
        void deviceWithOpenSessionDoesNotKeepItsFinishedInterruptsResult() throws Exception {
            InterruptManager manager =
                    manager(settings(100, 64).toBuilder().historySize(1).build());
            manager.openSession(DEVICE);
            WeakReference<InterruptResult> result = interruptAndForget(manager, DEVICE);
            manager.openSession(DEVICE); // the next turn: the device stays, with an open session
            await5s(manager.interrupt("another-device", "pushes the first result out of the history"));

            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(10))
                    .alias("result of a finished interrupt still reachable")
                    .until(() -> {
                        System.gc();
                        return result.get() == null;
                    });
            assertThat(manager.trackedDevices()).isEqualTo(2);
        }

        /** In its own frame, so no local variable of the test keeps the result reachable. */
        private WeakReference<InterruptResult> interruptAndForget(InterruptManager manager, String device)
                throws Exception {
            return new WeakReference<>(await5s(manager.interrupt(device, "x")));
        }

        @Test
        void deviceWithOpenSessionIsNotReclaimed() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            Session session = manager.openSession("dev-a");
            await5s(manager.interrupt("dev-b", "x"));

            clock.advance(INTERRUPT_TIMEOUT);
            manager.sweep();

            assertThat(manager.trackedDevices()).isEqualTo(1);
            assertThat(manager.session(session.sessionId())).isPresent();

            manager.endSession(session.sessionId());
            manager.sweep();
            assertThat(manager.trackedDevices()).isZero();
        }

        @Test
        void sweepReclaimsExactlyTheIdleDevicesAndKeepsTheirEpochs() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            Session streaming = manager.openSession("dev-open");
            await5s(manager.interrupt("dev-flag", "x"));
            await5s(manager.interrupt("dev-reset", "x"));
            manager.resetFlag("dev-reset");
            manager.endSession(manager.openSession("dev-ended").sessionId());
            manager.openSession("dev-lingering");
            await5s(manager.interrupt("dev-lingering", "x"));
            manager.resetFlag("dev-lingering"); // only its interrupted session keeps it
            assertThatThrownBy(() -> manager.openSession("dev-refused", null, 7L)) // ahead: refused
                    .isInstanceOf(InterruptHubException.class);
            manager.heartbeat(streaming.sessionId());
            Map<String, Long> epochs = new java.util.HashMap<>();
            for (String id : List.of("dev-open", "dev-flag", "dev-reset", "dev-ended", "dev-lingering")) {
                epochs.put(id, manager.flagStatus(id).epoch());
            }

            manager.sweep();
            assertThat(manager.trackedDevices())
                    .as("open, flag live, interrupted session lingering")
                    .isEqualTo(3);

            clock.advance(CLEANUP_DELAY);
            manager.sweep();
            assertThat(manager.trackedDevices()).as("open, flag live").isEqualTo(2);
            assertThat(manager.shouldInterrupt("dev-flag")).isTrue();

            clock.advance(INTERRUPT_TIMEOUT);
            manager.sweep();
            assertThat(manager.trackedDevices()).as("open").isEqualTo(1);
            assertThat(streaming.state()).isEqualTo(SessionState.ACTIVE);

            manager.sweep(); // nothing changed: a second sweep keeps the busy device
            assertThat(manager.trackedDevices()).isEqualTo(1);

            manager.endSession(streaming.sessionId());
            manager.sweep();
            assertThat(manager.trackedDevices()).isZero();
            epochs.forEach((id, epoch) ->
                    assertThat(manager.flagStatus(id).epoch()).as(id).isGreaterThanOrEqualTo(epoch));
            assertThat(manager.openSession("dev-lingering", null, epochs.get("dev-lingering") - 1)
                            .isInterrupted())
                    .as("a session of the turn before the last interrupt is still stale")
                    .isTrue();
        }

        @Test
        void reclaimedDeviceEpochNeverGoesBackwards() throws Exception {
            InterruptManager manager = manager(settings(100, 64));
            for (int i = 0; i < 3; i++) {
                await5s(manager.interrupt(DEVICE, "x"));
            }
            long before = manager.flagStatus(DEVICE).epoch();
            assertThat(before).isGreaterThanOrEqualTo(3);

            clock.advance(INTERRUPT_TIMEOUT);
            manager.sweep();
            assertThat(manager.trackedDevices()).isZero();

            long after = manager.flagStatus(DEVICE).epoch();
            assertThat(after).isGreaterThanOrEqualTo(before);

            // A session planned before the last interrupt is still stale.
            Session stale = manager.openSession(DEVICE, null, before - 1);
            assertThat(stale.isInterrupted()).isTrue();
            // A session in the current turn is accepted, and it is the turn the device reports.
            Session current = manager.openSession(DEVICE);
            assertThat(current.epoch()).isGreaterThanOrEqualTo(before);
            assertThat(current.epoch()).isEqualTo(manager.flagStatus(DEVICE).epoch());
            assertThat(current.state()).isEqualTo(SessionState.ACTIVE);
            // The next interrupt moves strictly past everything seen before.
            assertThat(await5s(manager.interrupt(DEVICE, "y")).epoch()).isGreaterThan(after);
        }

        @Test
        void lingeringInterruptedSessionsBoundedWhenDeviceOpensAndInterruptsInLoop() throws Exception {
            int cap = 5;
            InterruptManager manager = manager(settings(cap, 64));
            for (int i = 0; i < cap * 4; i++) {
                manager.openSession(DEVICE);
                await5s(manager.interrupt(DEVICE, "loop"));
                assertThat(manager.statistics().sessions().interruptedPendingRemoval())
                        .isLessThanOrEqualTo(cap);
            }

            assertThat(manager.statistics().sessions().interruptedPendingRemoval())
                    .isLessThanOrEqualTo(cap);
            assertThat(manager.sessions(null, 1000)).hasSizeLessThanOrEqualTo(cap);
            assertThat(manager.statistics().sessions().interrupted()).isEqualTo(cap * 4L);
        }

        @Test
        void lingeringInterruptedSessionsBoundedWhenStaleEpochSessionsOpenInLoop() throws Exception {
            // Stale-epoch sessions are born INTERRUPTED and linger like interrupted ones; they must not
            // let the lingering set grow without bound either (rule 8; rule 6's cap).
            int cap = 5;
            InterruptManager manager = manager(settings(cap, 64));
            long planned = manager.flagStatus(DEVICE).epoch();
            await5s(manager.interrupt(DEVICE, "barge_in"));

            for (int i = 0; i < cap * 4; i++) {
                Session stale = manager.openSession(DEVICE, null, planned);
                assertThat(stale.isInterrupted()).isTrue();
            }

            assertThat(manager.statistics().sessions().interruptedPendingRemoval())
                    .isLessThanOrEqualTo(cap);
            assertThat(manager.sessions(null, 1000)).hasSizeLessThanOrEqualTo(cap);
        }

        @Test
        void deviceCapRefusesThirdDevice() throws Exception {
            InterruptManager manager =
                    manager(InterruptSettings.builder().maxDevices(2).build());
            await5s(manager.interrupt("dev-a", "x"));
            await5s(manager.interrupt("dev-b", "x"));

            assertThatThrownBy(() -> manager.interrupt("dev-c", "x"))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED));

            assertThat(manager.trackedDevices()).isEqualTo(2);
            assertThat(manager.shouldInterrupt("dev-c")).isFalse();
            assertThat(manager.statistics().interrupts().rejected()).isEqualTo(1);
            // Known devices can still be interrupted.
            assertThat(await5s(manager.interrupt("dev-a", "again")).success()).isTrue();
        }

        @Test
        void deviceCapFreesUpOnceADeviceIsReclaimed() throws Exception {
            InterruptManager manager =
                    manager(InterruptSettings.builder().maxDevices(2).build());
            await5s(manager.interrupt("dev-a", "x"));
            await5s(manager.interrupt("dev-b", "x"));
            assertThat(kindOf(() -> manager.interrupt("dev-c", "x")))
                    .isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);

            clock.advance(INTERRUPT_TIMEOUT);
            manager.sweep();

            assertThat(await5s(manager.interrupt("dev-c", "x")).success()).isTrue();
        }
    }

    // ---- input validation ------------------------------------------------------------------------------

    @Nested
    class InputValidation {

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "kitchen speaker", "../x", "küche-1", "语音设备", "-leading-dash", "a/b"})
        void invalidHardwareIdsAreRefused(String hardwareId) {
            InterruptManager manager = manager();

            assertThat(kindOf(() -> manager.interrupt(hardwareId, "x")))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(kindOf(() -> manager.openSession(hardwareId)))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(kindOf(() -> manager.flagStatus(hardwareId)))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(kindOf(() -> manager.resetFlag(hardwareId))).isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(manager.trackedDevices()).isZero();
            assertThat(manager.statistics().interrupts().rejected()).isEqualTo(1);
        }

        @Test
        void hardwareIdOf129CharsIsRefusedAnd128Accepted() throws Exception {
            InterruptManager manager = manager();
            String ok = "a".repeat(128);
            String tooLong = "a".repeat(129);

            assertThat(kindOf(() -> manager.interrupt(tooLong, "x")))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(await5s(manager.interrupt(ok, "x")).hardwareId()).isEqualTo(ok);
        }

        @Test
        void nullHardwareIdIsRefused() {
            InterruptManager manager = manager();
            assertThat(kindOf(() -> manager.interrupt(null, "x"))).isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(manager.shouldInterrupt(null)).isFalse();
        }

        @Test
        void validHardwareIdShapesAreAccepted() throws Exception {
            InterruptManager manager = manager();
            for (String id : List.of("a", "0", "Kitchen.Speaker_7:left-1", "AA:BB:CC:DD:EE:FF")) {
                assertThat(await5s(manager.interrupt(id, "x")).hardwareId()).isEqualTo(id);
            }
        }

        @Test
        void reasonLongerThan256CharsIsRefused() throws Exception {
            InterruptManager manager = manager();

            assertThat(kindOf(() -> manager.interrupt(DEVICE, "r".repeat(257))))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(manager.trackedDevices()).isZero();
            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(await5s(manager.interrupt(DEVICE, "r".repeat(256))).reason())
                    .hasSize(256);
        }

        @ParameterizedTest
        @ValueSource(strings = {"line\nbreak", "tab\there", "nul\u0000", "bell\u0007", "del\u007f", "c1\u0085"})
        void reasonWithControlCharsIsRefused(String reason) {
            InterruptManager manager = manager();

            assertThat(kindOf(() -> manager.interrupt(DEVICE, reason)))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(manager.shouldInterrupt(DEVICE)).isFalse();
            assertThat(manager.flagStatus(DEVICE).epoch()).isZero();
        }

        @Test
        void sourceIsValidatedLikeReason() {
            InterruptManager manager = manager();
            assertThat(kindOf(() -> manager.interrupt(DEVICE, "x", "s".repeat(257))))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(kindOf(() -> manager.interrupt(DEVICE, "x", "a\rb")))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
        }

        @Test
        void invalidSessionIdIsRefused() {
            InterruptManager manager = manager();
            assertThat(kindOf(() -> manager.openSession(DEVICE, "../etc", null)))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(kindOf(() -> manager.openSession(DEVICE, null, -1L)))
                    .isEqualTo(InterruptHubException.Kind.INVALID_INPUT);
            assertThat(manager.activeSessions()).isZero();
        }
    }
}
