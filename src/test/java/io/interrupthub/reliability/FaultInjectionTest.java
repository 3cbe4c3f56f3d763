package io.interrupthub.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.interrupthub.autoconfigure.InterruptMetrics;
import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.ModuleSettings;
import io.interrupthub.core.Session;
import io.interrupthub.core.StatisticsSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Modules that throw, hang forever (ignoring thread interrupts), answer late, fail every second call or
 * throw an Error; a module pool saturated to one thread and one queue slot; session callbacks that block.
 * The manager must keep every timeout, the next interrupt must still work, no module may be called twice
 * for one epoch, and every failure must be counted in {@code statistics().modules()} and in the metrics
 * ({@link InterruptMetrics} bound to a {@link SimpleMeterRegistry}).
 *
 * <p>Real time is used (module timeouts are measured with {@code System.nanoTime}); bounds are generous
 * because the suite shares a small, busy machine: "within its timeout" is checked as timeout + {@link #SLACK}.
 */
class FaultInjectionTest {

    private static final String FAMILY = "fault-injection";
    /** Scheduling slack on a loaded 2-core machine; still far below "hangs". */
    private static final Duration SLACK = Duration.ofMillis(1500);

    private final List<InterruptManager> managers = new ArrayList<>();
    private final List<CountDownLatch> releases = new ArrayList<>();
    /** Calls per module, device and epoch: "module@device@epoch" -> count. */
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private SimpleMeterRegistry registry;

    @AfterEach
    void releaseEverything() {
        releases.forEach(CountDownLatch::countDown);
        managers.forEach(InterruptManager::close);
    }

    @AfterAll
    static void report() {
        Tally.print(FAMILY);
    }

    // ---- building blocks ----------------------------------------------------------------------------------

    private InterruptManager manager(int moduleThreads, int queueCapacity) {
        InterruptSettings settings = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofSeconds(2))
                .cleanupDelay(Duration.ofSeconds(2))
                .maxActiveSessions(100)
                .sessionTimeout(Duration.ofSeconds(300))
                .historySize(1000)
                .maxDevices(1000)
                .maxCallbacksPerSession(64)
                .sweepInterval(Duration.ofMillis(250))
                .moduleThreads(moduleThreads)
                .moduleQueueCapacity(queueCapacity)
                .build();
        InterruptManager manager = new InterruptManager(settings);
        registry = new SimpleMeterRegistry();
        InterruptMetrics metrics = new InterruptMetrics(manager);
        metrics.bindTo(registry);
        manager.addListener(metrics);
        managers.add(manager);
        return manager;
    }

    private CountDownLatch release() {
        CountDownLatch latch = new CountDownLatch(1);
        releases.add(latch);
        return latch;
    }

    private Interruptible module(String name, ModuleAction.Body body) {
        return new Interruptible() {
            @Override
            public String moduleName() {
                return name;
            }

            @Override
            public List<ModuleAction> actions() {
                return List.of(ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
                    calls.computeIfAbsent(
                                    name + "@" + cause.hardwareId() + "@" + cause.epoch(), k -> new AtomicInteger())
                            .incrementAndGet();
                    body.run(cause);
                }));
            }
        };
    }

    /** Blocks until released, swallowing thread interrupts: the module that never gives its thread back. */
    private Interruptible hanger(String name) {
        CountDownLatch released = release();
        return module(name, cause -> {
            while (true) {
                try {
                    if (released.await(1, TimeUnit.SECONDS)) {
                        return;
                    }
                } catch (InterruptedException ignored) {
                    // a hostile module ignores the interrupt
                }
            }
        });
    }

    /** Spins past its timeout ignoring interrupts, then answers normally: a late answer. */
    private Interruptible lateButFine(String name, Duration lateness) {
        return module(name, cause -> {
            long until = System.nanoTime() + lateness.toNanos();
            for (long left = lateness.toNanos(); left > 0; left = until - System.nanoTime()) {
                LockSupport.parkNanos(left);
                Thread.interrupted(); // noted and ignored
            }
        });
    }

    private static ModuleResult outcome(InterruptResult result, String module) {
        return result.modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result for module " + module + " in " + result));
    }

    private long timerCount(String module, ModuleOutcome outcome) {
        Timer timer = registry.find("interrupt.module.duration")
                .tags("module", module, "outcome", outcome.name())
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private double requests(String outcome) {
        FunctionCounter counter =
                registry.get("interrupt.requests").tag("outcome", outcome).functionCounter();
        return counter.count();
    }

    private static StatisticsSnapshot.ModuleStats stats(InterruptManager manager, String module) {
        return manager.statistics().modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow();
    }

    /** Interrupts and waits, failing if the call or the result takes longer than {@code budget} + slack. */
    private static InterruptResult interruptWithin(InterruptManager manager, String hw, Duration budget) {
        long start = System.nanoTime();
        InterruptFuture future = manager.interrupt(hw, "fault_test");
        long returnedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(returnedMs)
                .as("interrupt() returns at once, before the modules answer")
                .isLessThan(SLACK.toMillis());
        InterruptResult result;
        try {
            result = future.get(budget.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(
                    "interrupt of " + hw + " not complete within " + budget + " + " + SLACK + ": " + e, e);
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMs)
                .as("interrupt of %s bounded by its largest module timeout %s", hw, budget)
                .isLessThanOrEqualTo(budget.plus(SLACK).toMillis());
        Tally.inc(FAMILY, "interrupts");
        return result;
    }

    private void assertNeverCalledTwicePerEpoch() {
        Map<String, Integer> twice = calls.entrySet().stream()
                .filter(e -> e.getValue().get() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        assertThat(twice)
                .as("module calls per (module, device, epoch) above one")
                .isEmpty();
    }

    // ---- the tests ------------------------------------------------------------------------------------------

    @Test
    void hostileModulesNeverBlockTheCallerNorEachOtherAndEveryFailureIsCounted() {
        InterruptManager manager = manager(32, 64);
        AtomicInteger flakyCalls = new AtomicInteger();
        manager.register(
                module("thrower", cause -> {
                    throw new IllegalStateException("boom from thrower");
                }),
                ModuleSettings.withTimeout(Duration.ofMillis(500)));
        manager.register(hanger("hanger"), ModuleSettings.withTimeout(Duration.ofMillis(200)));
        manager.register(
                module("late", cause -> Thread.sleep(5_000)), ModuleSettings.withTimeout(Duration.ofMillis(150)));
        manager.register(
                lateButFine("late_uninterruptible", Duration.ofMillis(400)),
                ModuleSettings.withTimeout(Duration.ofMillis(100)));
        manager.register(
                module("flaky", cause -> {
                    if (flakyCalls.incrementAndGet() % 2 == 0) {
                        throw new java.io.IOException("every second call fails");
                    }
                }),
                ModuleSettings.withTimeout(Duration.ofMillis(500)));
        manager.register(module("healthy", cause -> {}), ModuleSettings.withTimeout(Duration.ofMillis(500)));
        Duration largest = Duration.ofMillis(500);

        int rounds = 8;
        for (int i = 0; i < rounds; i++) {
            String hw = "hostile-" + (i % 2);
            Session session = manager.openSession(hw);
            InterruptResult result = interruptWithin(manager, hw, largest);

            assertThat(result.success()).isFalse();
            assertThat(result.sessionsInterrupted())
                    .as("the session is still marked")
                    .isEqualTo(1);
            assertThat(session.isInterrupted()).isTrue();
            assertThat(outcome(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(outcome(result, "thrower").outcome()).isEqualTo(ModuleOutcome.FAILED);
            assertThat(outcome(result, "thrower").error())
                    .contains("boom from thrower")
                    .doesNotContain("\tat ")
                    .doesNotContain("\n");
            assertThat(outcome(result, "hanger").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
            assertThat(outcome(result, "late").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
            assertThat(outcome(result, "late_uninterruptible").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
            assertThat(outcome(result, "flaky").outcome())
                    .isEqualTo(i % 2 == 0 ? ModuleOutcome.OK : ModuleOutcome.FAILED);
            assertThat(outcome(result, "healthy").outcome())
                    .as("a healthy module is untouched by the others")
                    .isEqualTo(ModuleOutcome.OK);
            assertThat(result.modules())
                    .allSatisfy(
                            m -> assertThat(m.error() == null ? "" : m.error()).hasSizeLessThanOrEqualTo(200));
        }
        // late answers arrive after their timeouts: they must change nothing
        await().pollDelay(Duration.ofMillis(600))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(stats(manager, "late_uninterruptible").timedOut())
                                .isEqualTo(rounds));
        assertThat(stats(manager, "late_uninterruptible").ok())
                .as("a late answer is not counted again as OK")
                .isZero();

        assertThat(stats(manager, "thrower").failed()).isEqualTo(rounds);
        assertThat(stats(manager, "hanger").timedOut()).isEqualTo(rounds);
        assertThat(stats(manager, "late").timedOut()).isEqualTo(rounds);
        assertThat(stats(manager, "flaky").ok()).isEqualTo(rounds / 2);
        assertThat(stats(manager, "flaky").failed()).isEqualTo(rounds / 2);
        assertThat(stats(manager, "healthy").ok()).isEqualTo(rounds);
        assertThat(manager.statistics().interrupts().failed()).isEqualTo(rounds);

        assertThat(timerCount("thrower", ModuleOutcome.FAILED)).isEqualTo(rounds);
        assertThat(timerCount("hanger", ModuleOutcome.TIMED_OUT)).isEqualTo(rounds);
        assertThat(timerCount("late", ModuleOutcome.TIMED_OUT)).isEqualTo(rounds);
        assertThat(timerCount("late_uninterruptible", ModuleOutcome.TIMED_OUT)).isEqualTo(rounds);
        assertThat(timerCount("late_uninterruptible", ModuleOutcome.OK)).isZero();
        assertThat(timerCount("flaky", ModuleOutcome.FAILED)).isEqualTo(rounds / 2);
        assertThat(timerCount("flaky", ModuleOutcome.OK)).isEqualTo(rounds / 2);
        assertThat(requests("failure")).isEqualTo(rounds);
        assertThat(requests("success")).isZero();
        assertNeverCalledTwicePerEpoch();
        assertThat(calls.keySet().stream().filter(k -> k.startsWith("hanger@"))).hasSize(rounds);
    }

    @Test
    void saturatedPoolFailsFastCountsTheFailuresAndSessionsAreStillInterrupted() {
        InterruptManager manager = manager(1, 1);
        manager.register(hanger("hanger"), ModuleSettings.withTimeout(Duration.ofMillis(150)));
        manager.register(module("healthy", cause -> {}), ModuleSettings.withTimeout(Duration.ofMillis(300)));
        Duration largest = Duration.ofMillis(300);

        int rounds = 5;
        for (int i = 0; i < rounds; i++) {
            Session session = manager.openSession("saturated");
            InterruptResult result = interruptWithin(manager, "saturated", largest);
            assertThat(result.sessionsInterrupted())
                    .as("round %d: sessions are marked even with no module thread", i)
                    .isEqualTo(1);
            assertThat(session.isInterrupted()).isTrue();
            assertThat(outcome(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(outcome(result, "hanger").outcome()).isIn(ModuleOutcome.TIMED_OUT, ModuleOutcome.FAILED);
            assertThat(outcome(result, "healthy").outcome()).isIn(ModuleOutcome.TIMED_OUT, ModuleOutcome.FAILED);
            if (i > 0) {
                assertThat(outcome(result, "healthy").error())
                        .as("round %d: refused, not waited for", i)
                        .contains("saturated");
            }
        }
        for (String module : List.of("hanger", "healthy")) {
            StatisticsSnapshot.ModuleStats s = stats(manager, module);
            assertThat(s.failed() + s.timedOut())
                    .as("%s failures counted", module)
                    .isEqualTo(rounds);
            assertThat(timerCount(module, ModuleOutcome.FAILED) + timerCount(module, ModuleOutcome.TIMED_OUT))
                    .as("%s failures in the metrics", module)
                    .isEqualTo(rounds);
        }
        assertThat(requests("failure")).isEqualTo(rounds);
        assertNeverCalledTwicePerEpoch();
        assertThat(calls.keySet().stream().filter(k -> k.startsWith("hanger@")))
                .as("the hanger ran once, then was refused")
                .hasSize(1);
    }

    /**
     * A session's {@code onInterrupt} callback that blocks (a stream stuck writing to a dead socket) must not
     * block the caller of {@code interrupt()}, whether the module pool has room or is saturated.
     */
    @ParameterizedTest(name = "module pool {0}")
    @ValueSource(strings = {"roomy", "saturated"})
    void blockingSessionCallbackNeverBlocksTheInterruptingCaller(String pool) throws Exception {
        InterruptManager manager = "roomy".equals(pool) ? manager(4, 16) : manager(1, 1);
        if ("saturated".equals(pool)) {
            // the hanger keeps the only thread for good; the healthy call queued behind it fills the one queue slot
            manager.register(hanger("hanger"), ModuleSettings.withTimeout(Duration.ofMillis(100)));
        }
        manager.register(module("healthy", cause -> {}), ModuleSettings.withTimeout(Duration.ofMillis(300)));
        if ("saturated".equals(pool)) {
            interruptWithin(manager, "hog", Duration.ofMillis(300));
        }
        CountDownLatch callbackBlocks = release();
        CountDownLatch callbackEntered = new CountDownLatch(1);
        Session session = manager.openSession("victim");
        session.onInterrupt(cause -> {
            callbackEntered.countDown();
            try {
                callbackBlocks.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        AtomicReference<InterruptFuture> future = new AtomicReference<>();
        AtomicReference<Thread> caller = new AtomicReference<>();
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
            caller.set(Thread.currentThread());
            future.set(manager.interrupt("victim", "barge_in"));
        });
        try {
            call.get(SLACK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement frame : caller.get().getStackTrace()) {
                stack.append("\n\tat ").append(frame);
            }
            throw new AssertionError("interrupt() of a device whose session callback blocks did not return within "
                    + SLACK + " (pool " + pool + "); the caller's thread is stuck in:" + stack);
        }
        InterruptResult result =
                future.get().get(Duration.ofMillis(300).plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        Tally.inc(FAMILY, "interrupts");

        // and the next interrupt of another device still works
        InterruptResult next = interruptWithin(manager, "next-device", Duration.ofMillis(300));
        assertThat(outcome(next, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
        if ("roomy".equals(pool)) {
            assertThat(callbackEntered.await(5, TimeUnit.SECONDS))
                    .as("the callback ran")
                    .isTrue();
            assertThat(outcome(next, "healthy").outcome()).isEqualTo(ModuleOutcome.OK);
        }
        assertNeverCalledTwicePerEpoch();
    }

    /**
     * Contract rule 1: an interrupt fires the sessions' cancellation handles. A module that hangs must not keep
     * them from firing (rule 5: a hanging module never blocks the others).
     */
    @Test
    void sessionCallbacksStillFireWhileAModuleHangs() throws Exception {
        InterruptManager manager = manager(1, 4);
        manager.register(hanger("hanger"), ModuleSettings.withTimeout(Duration.ofMillis(100)));
        interruptWithin(manager, "hog", Duration.ofMillis(100)); // the hanger now holds the only module thread

        Session session = manager.openSession("victim");
        CountDownLatch fired = new CountDownLatch(1);
        session.onInterrupt(fired::countDown);
        InterruptResult result = interruptWithin(manager, "victim", Duration.ofMillis(100));

        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(session.isInterrupted()).as("the handle's flag is set").isTrue();
        assertThat(fired.await(SLACK.toMillis(), TimeUnit.MILLISECONDS))
                .as("the session's onInterrupt callback fired although a module hangs")
                .isTrue();
    }

    @Test
    void moduleThatThrowsAnErrorIsReportedFailedAtOnceNotAfterItsTimeout() {
        InterruptManager manager = manager(4, 16);
        manager.register(
                module("recursive", cause -> {
                    throw new StackOverflowError("planted: a module with a recursion bug");
                }),
                ModuleSettings.withTimeout(Duration.ofSeconds(2)));
        manager.register(module("healthy", cause -> {}), ModuleSettings.withTimeout(Duration.ofSeconds(2)));

        long start = System.nanoTime();
        InterruptResult result = interruptWithin(manager, "erroring", Duration.ofSeconds(2));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(outcome(result, "healthy").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(outcome(result, "recursive").outcome())
                .as("a module that threw, took %d ms", tookMs)
                .isEqualTo(ModuleOutcome.FAILED);
        assertThat(outcome(result, "recursive").error()).contains("StackOverflowError");
        assertThat(stats(manager, "recursive").failed()).isEqualTo(1);
        assertThat(timerCount("recursive", ModuleOutcome.FAILED)).isEqualTo(1);
    }
}
