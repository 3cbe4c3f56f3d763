package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Modules that throw, hang, are slow, or are refused by a saturated pool: with real (short) timeouts,
 * each ends {@code FAILED} or {@code TIMED_OUT}, the others still run, and neither the caller nor the
 * result waits past the timeout (contract, Semantics 4 and 5). Bounds are generous: timeout + 5 s.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModuleFaultTest {

    /** The real, short timeout of modules that hang. */
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    /**
     * The timeout of modules that answer (fine, slow, throwing): long enough that a loaded machine never
     * turns their answer into TIMED_OUT, and it changes nothing when they are quick.
     */
    private static final Duration WORK_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration SLACK = Duration.ofSeconds(5);

    private final List<CountDownLatch> neverReleased = new CopyOnWriteArrayList<>();
    private final List<InterruptManager> managers = new CopyOnWriteArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "test-caller");
        thread.setDaemon(true);
        return thread;
    });

    @AfterEach
    void tearDown() {
        neverReleased.forEach(CountDownLatch::countDown); // frees every thread a test left blocked
        managers.forEach(InterruptManager::close);
        callers.shutdownNow();
    }

    private InterruptManager manager(InterruptSettings settings) {
        InterruptManager manager = new InterruptManager(settings);
        managers.add(manager);
        return manager;
    }

    private CountDownLatch latchReleasedAfterTheTest() {
        CountDownLatch latch = new CountDownLatch(1);
        neverReleased.add(latch);
        return latch;
    }

    /** A module with one action; every call records the epoch it was called for. */
    static final class TestModule implements Interruptible {
        final String name;
        final ModuleAction.Body body;
        final Queue<Long> epochs = new ConcurrentLinkedQueue<>();

        TestModule(String name, ModuleAction.Body body) {
            this.name = name;
            this.body = body;
        }

        @Override
        public String moduleName() {
            return name;
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
                epochs.add(cause.epoch());
                body.run(cause);
            }));
        }
    }

    private static Map<String, ModuleResult> byModule(InterruptResult result) {
        return result.modules().stream().collect(Collectors.toMap(ModuleResult::module, Function.identity()));
    }

    private static InterruptResult resultOf(InterruptFuture future, Duration timeout) throws Exception {
        return future.get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
    }

    private static StatisticsSnapshot.ModuleStats stats(InterruptManager manager, String module) {
        return manager.statistics().modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no statistics for " + module));
    }

    // ---------------------------------------------------------------------------------------------

    /** The standard cast: thrower, hanger (latch), sleeper (Thread.sleep), slow (50 ms), fine. */
    private final class Cast {
        final AtomicInteger hangerInterrupted = new AtomicInteger();
        final AtomicInteger sleeperInterrupted = new AtomicInteger();
        final CountDownLatch never = latchReleasedAfterTheTest();
        final TestModule thrower = new TestModule("thrower", cause -> {
            throw new IllegalStateException("boom at epoch " + cause.epoch());
        });
        final TestModule hanger = new TestModule("hanger", cause -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                hangerInterrupted.incrementAndGet();
                throw e;
            }
        });
        final TestModule sleeper = new TestModule("sleeper", cause -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                sleeperInterrupted.incrementAndGet();
                throw e;
            }
        });
        final TestModule slow = new TestModule("slow", cause -> Thread.sleep(50));
        final TestModule fine = new TestModule("fine", cause -> {});

        InterruptManager register(InterruptManager manager) {
            for (TestModule module : List.of(hanger, sleeper)) {
                manager.register(module, ModuleSettings.withTimeout(TIMEOUT));
            }
            for (TestModule module : List.of(thrower, slow, fine)) {
                manager.register(module, ModuleSettings.withTimeout(WORK_TIMEOUT));
            }
            return manager;
        }
    }

    @Test
    void throwingHangingAndSlowModulesGetTheirOutcomeAndTheOthersStillRun() throws Exception {
        Cast cast = new Cast();
        InterruptManager manager = cast.register(manager(InterruptSettings.defaults()));

        InterruptFuture future = manager.interrupt("kitchen-speaker-7", "user_barge_in");
        InterruptResult result = resultOf(future, WORK_TIMEOUT);

        assertThat(result.epoch()).isEqualTo(1);
        assertThat(result.success()).isFalse();
        Map<String, ModuleResult> modules = byModule(result);
        assertThat(modules.keySet())
                .containsExactlyInAnyOrder("session_management", "thrower", "hanger", "sleeper", "slow", "fine");
        assertThat(modules.get("session_management").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(modules.get("fine").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(modules.get("fine").error()).isNull();
        assertThat(modules.get("slow").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(modules.get("slow").durationMs()).isGreaterThanOrEqualTo(45.0);

        ModuleResult thrower = modules.get("thrower");
        assertThat(thrower.outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(thrower.error()).contains("boom at epoch 1");
        assertThat(thrower.durationMs()).isLessThan(WORK_TIMEOUT.toMillis());

        for (String hung : List.of("hanger", "sleeper")) {
            ModuleResult timedOut = modules.get(hung);
            assertThat(timedOut.outcome()).as(hung).isEqualTo(ModuleOutcome.TIMED_OUT);
            assertThat(timedOut.durationMs())
                    .as("%s duration ≈ its timeout", hung)
                    .isCloseTo(TIMEOUT.toMillis(), within(50.0));
            assertThat(timedOut.error()).as(hung).contains("no answer within").contains("0.2 s");
        }

        // The hung modules' threads are interrupted when their time is up.
        await().atMost(SLACK).untilAsserted(() -> {
            assertThat(cast.hangerInterrupted.get())
                    .as("hanger saw InterruptedException")
                    .isEqualTo(1);
            assertThat(cast.sleeperInterrupted.get())
                    .as("sleeper saw InterruptedException")
                    .isEqualTo(1);
        });

        StatisticsSnapshot.Interrupts interrupts = manager.statistics().interrupts();
        assertThat(interrupts.failed()).isEqualTo(1);
        assertThat(interrupts.succeeded()).isZero();
        assertThat(stats(manager, "thrower").failed()).isEqualTo(1);
        assertThat(stats(manager, "hanger").timedOut()).isEqualTo(1);
        assertThat(stats(manager, "sleeper").timedOut()).isEqualTo(1);
        assertThat(stats(manager, "slow").ok()).isEqualTo(1);
        assertThat(stats(manager, "fine").ok()).isEqualTo(1);
        assertThat(manager.history("kitchen-speaker-7", 10)).containsExactly(result);
    }

    @Test
    void nextInterruptOfTheSameDeviceCallsEveryModuleAgainWithTheNextEpoch() throws Exception {
        Cast cast = new Cast();
        InterruptManager manager = cast.register(manager(InterruptSettings.defaults()));

        InterruptResult first = resultOf(manager.interrupt("dev-1", "first"), WORK_TIMEOUT);
        InterruptResult second = resultOf(manager.interrupt("dev-1", "second"), WORK_TIMEOUT);

        assertThat(first.epoch()).isEqualTo(1);
        assertThat(second.epoch()).isEqualTo(2);
        for (TestModule module : List.of(cast.thrower, cast.hanger, cast.sleeper, cast.slow, cast.fine)) {
            assertThat(module.epochs)
                    .as("%s called once per epoch", module.name)
                    .containsExactly(1L, 2L);
        }
        Map<String, ModuleResult> modules = byModule(second);
        assertThat(modules.get("fine").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(modules.get("slow").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(modules.get("thrower").outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(modules.get("thrower").error()).contains("boom at epoch 2");
        assertThat(modules.get("hanger").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
        assertThat(modules.get("sleeper").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
        await().atMost(SLACK).untilAsserted(() -> {
            assertThat(cast.hangerInterrupted.get()).isEqualTo(2);
            assertThat(cast.sleeperInterrupted.get()).isEqualTo(2);
        });
        assertThat(stats(manager, "fine").ok()).isEqualTo(2);
        assertThat(stats(manager, "thrower").failed()).isEqualTo(2);
        assertThat(stats(manager, "hanger").timedOut()).isEqualTo(2);
        assertThat(manager.statistics().interrupts().failed()).isEqualTo(2);
    }

    @Test
    void moduleThatFailsEverySecondCallGivesAlternatingOutcomes() throws Exception {
        InterruptManager manager = manager(InterruptSettings.defaults());
        AtomicInteger calls = new AtomicInteger();
        TestModule flaky = new TestModule("flaky", cause -> {
            if (calls.incrementAndGet() % 2 == 0) {
                throw new java.io.IOException("every second call fails (call " + calls.get() + ")");
            }
        });
        manager.register(flaky, ModuleSettings.withTimeout(WORK_TIMEOUT));

        List<ModuleOutcome> outcomes = new ArrayList<>();
        List<Boolean> successes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            InterruptResult result = resultOf(manager.interrupt("flaky-dev", "turn " + i), WORK_TIMEOUT);
            outcomes.add(byModule(result).get("flaky").outcome());
            successes.add(result.success());
            if (i % 2 == 1) {
                assertThat(byModule(result).get("flaky").error())
                        .contains("IOException")
                        .contains("call " + (i + 1));
            }
        }
        assertThat(outcomes)
                .containsExactly(
                        ModuleOutcome.OK,
                        ModuleOutcome.FAILED,
                        ModuleOutcome.OK,
                        ModuleOutcome.FAILED,
                        ModuleOutcome.OK,
                        ModuleOutcome.FAILED);
        assertThat(successes).containsExactly(true, false, true, false, true, false);
        assertThat(flaky.epochs).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(stats(manager, "flaky").ok()).isEqualTo(3);
        assertThat(stats(manager, "flaky").failed()).isEqualTo(3);
        StatisticsSnapshot.Interrupts interrupts = manager.statistics().interrupts();
        assertThat(interrupts.succeeded()).isEqualTo(3);
        assertThat(interrupts.failed()).isEqualTo(3);
    }

    @Test
    void modulesRunInParallel() throws Exception {
        InterruptManager manager = manager(InterruptSettings.defaults());
        int count = 5;
        CountDownLatch allRunning = new CountDownLatch(count);
        AtomicInteger sawAllRunning = new AtomicInteger();
        Duration moduleTimeout = Duration.ofSeconds(3);
        for (int i = 0; i < count; i++) {
            manager.register(
                    new TestModule("parallel_" + i, cause -> {
                        allRunning.countDown();
                        // Only succeeds if all five are inside their action at the same time.
                        if (allRunning.await(2, TimeUnit.SECONDS)) {
                            sawAllRunning.incrementAndGet();
                        }
                        Thread.sleep(150);
                    }),
                    ModuleSettings.withTimeout(moduleTimeout));
        }

        InterruptResult result = resultOf(manager.interrupt("parallel-dev", "barge_in"), moduleTimeout);

        assertThat(sawAllRunning.get())
                .as("modules that saw all %d running at once", count)
                .isEqualTo(count);
        assertThat(result.success()).isTrue();
        assertThat(result.modules()).hasSize(count + 1).allMatch(m -> m.outcome() == ModuleOutcome.OK);
    }

    @Test
    void saturatedModuleThreadsRefuseExtraCallsQuicklyAndNeverBlockTheCaller() throws Exception {
        InterruptSettings settings = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofSeconds(5))
                .cleanupDelay(Duration.ofSeconds(2))
                .maxActiveSessions(100)
                .sessionTimeout(Duration.ofSeconds(300))
                .historySize(1000)
                .maxDevices(100_000)
                .maxCallbacksPerSession(64)
                .sweepInterval(Duration.ofMillis(250))
                .moduleThreads(1)
                .moduleQueueCapacity(1)
                .build();
        InterruptManager manager = manager(settings);
        Duration timeout = Duration.ofMillis(500);
        CountDownLatch never = latchReleasedAfterTheTest();
        AtomicInteger interruptedCalls = new AtomicInteger();
        List<String> names = List.of("blocker_a", "blocker_b", "blocker_c", "blocker_d");
        for (String name : names) {
            manager.register(
                    new TestModule(name, cause -> {
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            interruptedCalls.incrementAndGet();
                            throw e;
                        }
                    }),
                    ModuleSettings.withTimeout(timeout));
        }

        long startNanos = System.nanoTime();
        Future<InterruptFuture> call = callers.submit(() -> manager.interrupt("busy-dev", "barge_in"));
        InterruptFuture future = call.get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        InterruptResult result = resultOf(future, timeout);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

        assertThat(elapsedMs)
                .as("result within the timeout plus slack")
                .isLessThan(timeout.plus(SLACK).toMillis());
        assertThat(result.success()).isFalse();
        Map<String, ModuleResult> modules = byModule(result);
        int refused = 0;
        for (String name : names) {
            ModuleResult module = modules.get(name);
            assertThat(module.outcome()).as(name).isIn(ModuleOutcome.FAILED, ModuleOutcome.TIMED_OUT);
            if (module.outcome() == ModuleOutcome.FAILED) {
                assertThat(module.error()).as(name).containsIgnoringCase("saturat");
                assertThat(module.durationMs()).as("%s refused quickly", name).isLessThan(timeout.toMillis());
                refused++;
            }
        }
        assertThat(refused)
                .as("calls refused by a pool of 1 thread and a queue of 1")
                .isGreaterThanOrEqualTo(1);

        long failed = 0;
        long timedOut = 0;
        for (String name : names) {
            StatisticsSnapshot.ModuleStats moduleStats = stats(manager, name);
            assertThat(moduleStats.failed() + moduleStats.timedOut())
                    .as("%s counted once", name)
                    .isEqualTo(1);
            assertThat(moduleStats.ok()).isZero();
            failed += moduleStats.failed();
            timedOut += moduleStats.timedOut();
        }
        assertThat(failed).isEqualTo(refused);
        assertThat(timedOut).isEqualTo(names.size() - refused);
        assertThat(manager.statistics().interrupts().failed()).isEqualTo(1);
        // The call that got the only thread was interrupted when its time was up, which frees the thread.
        await().atMost(SLACK)
                .untilAsserted(() -> assertThat(interruptedCalls.get()).isGreaterThanOrEqualTo(1));
    }

    @Test
    void moduleThrowingAnErrorStillGetsAnOutcomeAndTheOthersRun() throws Exception {
        InterruptManager manager = manager(InterruptSettings.defaults());
        manager.register(
                new TestModule("erring", cause -> {
                    throw new Error("not an exception");
                }),
                ModuleSettings.withTimeout(TIMEOUT));
        manager.register(new TestModule("fine", cause -> {}), ModuleSettings.withTimeout(WORK_TIMEOUT));

        InterruptResult result = resultOf(manager.interrupt("err-dev", "barge_in"), WORK_TIMEOUT);

        Map<String, ModuleResult> modules = byModule(result);
        assertThat(modules.get("erring").outcome()).isIn(ModuleOutcome.FAILED, ModuleOutcome.TIMED_OUT);
        assertThat(modules.get("fine").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(result.success()).isFalse();
        StatisticsSnapshot.ModuleStats erring = stats(manager, "erring");
        assertThat(erring.failed() + erring.timedOut()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------
    // session callbacks that never return
    // ---------------------------------------------------------------------------------------------

    @Test
    void callbackThatBlocksForeverDelaysNeitherTheFutureNorTheResult() throws Exception {
        InterruptManager manager = manager(InterruptSettings.defaults());
        manager.register(new TestModule("fine", cause -> {}), ModuleSettings.withTimeout(WORK_TIMEOUT));
        CountDownLatch never = latchReleasedAfterTheTest();
        CountDownLatch callbackStarted = new CountDownLatch(1);
        Session session = manager.openSession("cb-dev");
        session.onInterrupt(cause -> {
            callbackStarted.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        Future<InterruptFuture> call = callers.submit(() -> manager.interrupt("cb-dev", "barge_in"));
        InterruptFuture future = call.get(WORK_TIMEOUT.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        InterruptResult result = resultOf(future, WORK_TIMEOUT);

        assertThat(result.success()).isTrue();
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(callbackStarted.await(SLACK.toMillis(), TimeUnit.MILLISECONDS))
                .as("callback ran")
                .isTrue();

        // And the manager keeps working for the next turn and other devices.
        assertThat(resultOf(manager.interrupt("cb-dev", "again"), WORK_TIMEOUT).success())
                .isTrue();
        assertThat(resultOf(manager.interrupt("other-dev", "barge_in"), WORK_TIMEOUT)
                        .success())
                .isTrue();
    }

    @Test
    void callbackThatBlocksForeverDoesNotBlockInterruptWhenModuleThreadsAreSaturated() throws Exception {
        InterruptSettings settings = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofSeconds(5))
                .cleanupDelay(Duration.ofSeconds(2))
                .maxActiveSessions(100)
                .sessionTimeout(Duration.ofSeconds(300))
                .historySize(1000)
                .maxDevices(100_000)
                .maxCallbacksPerSession(64)
                .sweepInterval(Duration.ofMillis(250))
                .moduleThreads(1)
                .moduleQueueCapacity(1)
                .build();
        InterruptManager manager = manager(settings);
        Duration timeout = Duration.ofSeconds(1);
        CountDownLatch never = latchReleasedAfterTheTest();
        CountDownLatch blockerRunning = new CountDownLatch(1);
        manager.register(
                new TestModule("blocker", cause -> {
                    blockerRunning.countDown();
                    never.await();
                }),
                ModuleSettings.withTimeout(timeout));

        // Fill the pool: one call runs (the only thread), the next waits in the queue (capacity 1).
        InterruptFuture busy1 = manager.interrupt("busy-1", "fill");
        assertThat(blockerRunning.await(SLACK.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        InterruptFuture busy2 = manager.interrupt("busy-2", "fill");

        AtomicReference<String> callbackThread = new AtomicReference<>();
        Session session = manager.openSession("victim");
        session.onInterrupt(cause -> {
            callbackThread.set(Thread.currentThread().getName());
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        Future<InterruptFuture> call = callers.submit(() -> manager.interrupt("victim", "barge_in"));
        InterruptFuture future;
        try {
            future = call.get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "interrupt() did not return within the module timeout + " + SLACK.toSeconds()
                            + " s while module threads were saturated; the blocking callback was running on thread "
                            + callbackThread.get() + " (the caller is test-caller)",
                    e);
        }
        InterruptResult result = resultOf(future, timeout);
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(resultOf(busy1, timeout).modules()).isNotEmpty();
        assertThat(resultOf(busy2, timeout).modules()).isNotEmpty();
    }
}
