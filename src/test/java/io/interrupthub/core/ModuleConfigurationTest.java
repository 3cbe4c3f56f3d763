package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Contract, "Modules and their named actions" and the per-module variables. */
class ModuleConfigurationTest {

    private static final String DEVICE = "kitchen-speaker-7";

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private final List<InterruptManager> managers = new ArrayList<>();
    private final List<CountDownLatch> gates = new ArrayList<>();

    @AfterEach
    void tearDown() {
        gates.forEach(CountDownLatch::countDown);
        managers.forEach(InterruptManager::close);
    }

    private InterruptManager manager() {
        return manager(InterruptSettings.defaults());
    }

    private InterruptManager manager(InterruptSettings settings) {
        InterruptManager manager = new InterruptManager(settings, clock);
        managers.add(manager);
        return manager;
    }

    private static InterruptSettings withInterruptTimeout(Duration interruptTimeout) {
        return InterruptSettings.builder().interruptTimeout(interruptTimeout).build();
    }

    private CountDownLatch gate() {
        CountDownLatch gate = new CountDownLatch(1);
        gates.add(gate);
        return gate;
    }

    private static Interruptible module(String name, ModuleAction... actions) {
        return Interruptible.of(name, actions);
    }

    /** The seed's text_processing module with three actions that record their calls in {@code log}. */
    private static Interruptible recordingTextModule(List<String> log) {
        return module(
                "text_processing",
                ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> log.add(ModuleAction.CANCEL_GENERATION)),
                ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> log.add(ModuleAction.CLEAR_BUFFERS)),
                ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> log.add(ModuleAction.CLEAR_CACHE)));
    }

    private static ModuleSettings methods(String... names) {
        return new ModuleSettings(true, null, List.of(names));
    }

    private static InterruptResult await5s(InterruptFuture future) throws Exception {
        return future.get(5, TimeUnit.SECONDS);
    }

    private static ModuleResult moduleResult(InterruptResult result, String module) {
        return result.modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result for module " + module + " in " + result));
    }

    private static ModuleInfo info(InterruptManager manager, String module) {
        return manager.modules().stream()
                .filter(m -> m.module().equals(module))
                .findFirst()
                .orElseThrow(() -> new AssertionError("module " + module + " not listed"));
    }

    // ---- methods ---------------------------------------------------------------------------------

    @Test
    void methodsListPicksActionsAndTheirOrder() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(log), methods(ModuleAction.CLEAR_CACHE, ModuleAction.CANCEL_GENERATION));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(log).containsExactly(ModuleAction.CLEAR_CACHE, ModuleAction.CANCEL_GENERATION);
        assertThat(moduleResult(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
        ModuleInfo info = info(manager, "text_processing");
        assertThat(info.actions()).containsExactly(ModuleAction.CLEAR_CACHE, ModuleAction.CANCEL_GENERATION);
        assertThat(info.declaredActions())
                .containsExactly(ModuleAction.CANCEL_GENERATION, ModuleAction.CLEAR_BUFFERS, ModuleAction.CLEAR_CACHE);
    }

    @Test
    void emptyMethodsRunAllDeclaredActionsInDeclaredOrder() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(log), methods());

        await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(log)
                .containsExactly(ModuleAction.CANCEL_GENERATION, ModuleAction.CLEAR_BUFFERS, ModuleAction.CLEAR_CACHE);
        assertThat(info(manager, "text_processing").actions())
                .containsExactly(ModuleAction.CANCEL_GENERATION, ModuleAction.CLEAR_BUFFERS, ModuleAction.CLEAR_CACHE);
    }

    @Test
    void defaultRegistrationRunsAllDeclaredActionsInDeclaredOrder() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(log));

        await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(log)
                .containsExactly(ModuleAction.CANCEL_GENERATION, ModuleAction.CLEAR_BUFFERS, ModuleAction.CLEAR_CACHE);
    }

    @Test
    void actionsRunOncePerInterruptInOrderEachTime() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(log), methods(ModuleAction.CLEAR_BUFFERS, ModuleAction.CANCEL_GENERATION));

        await5s(manager.interrupt(DEVICE, "one"));
        await5s(manager.interrupt(DEVICE, "two"));

        assertThat(log)
                .containsExactly(
                        ModuleAction.CLEAR_BUFFERS,
                        ModuleAction.CANCEL_GENERATION,
                        ModuleAction.CLEAR_BUFFERS,
                        ModuleAction.CANCEL_GENERATION);
    }

    @Test
    void unknownActionInMethodsIsRefusedAtRegister() {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> manager.register(
                        recordingTextModule(log), methods(ModuleAction.CANCEL_GENERATION, "stop_everything")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stop_everything")
                .hasMessageContaining("text_processing");

        assertThat(manager.modules()).extracting(ModuleInfo::module).containsExactly("session_management");
    }

    @Test
    void duplicateActionInMethodsIsRefusedAtRegister() {
        InterruptManager manager = manager();
        assertThatThrownBy(() -> manager.register(
                        recordingTextModule(new ArrayList<>()),
                        methods(ModuleAction.CLEAR_CACHE, ModuleAction.CLEAR_CACHE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(manager.modules()).hasSize(1);
    }

    @Test
    void unknownActionForSessionManagementIsRefused() {
        InterruptManager manager = manager();
        assertThatThrownBy(() -> manager.configureSessionManagement(methods(ModuleAction.CLEAR_CACHE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(info(manager, "session_management").actions()).containsExactly(ModuleAction.INTERRUPT_SESSION);
    }

    // ---- names -----------------------------------------------------------------------------------

    @Test
    void duplicateModuleNameIsRefused() throws Exception {
        InterruptManager manager = manager();
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(first));

        assertThatThrownBy(() -> manager.register(recordingTextModule(second)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text_processing");

        assertThat(manager.modules())
                .extracting(ModuleInfo::module)
                .containsExactly("session_management", "text_processing");
        await5s(manager.interrupt(DEVICE, "x"));
        assertThat(first).hasSize(3);
        assertThat(second).isEmpty();
    }

    @Test
    void nameSessionManagementIsRefused() {
        InterruptManager manager = manager();
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> manager.register(module(
                        "session_management",
                        ModuleAction.of(ModuleAction.INTERRUPT_SESSION, cause -> calls.incrementAndGet()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("session_management");

        assertThat(manager.modules()).hasSize(1);
    }

    @Test
    void malformedModuleNameIsRefused() {
        InterruptManager manager = manager();
        for (String bad : List.of("Text", "text-processing", "1text", "")) {
            assertThatThrownBy(
                            () -> manager.register(module(bad, ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {}))))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(manager.modules()).hasSize(1);
    }

    // ---- enabled / timeout -----------------------------------------------------------------------

    @Test
    void disabledModuleIsNotCalledAndReportsDisabled() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger enabledCalls = new AtomicInteger();
        manager.register(recordingTextModule(log), ModuleSettings.disabled());
        manager.register(module(
                "audio_generation",
                ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> enabledCalls.incrementAndGet())));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(log).isEmpty();
        assertThat(enabledCalls).hasValue(1);
        ModuleResult disabled = moduleResult(result, "text_processing");
        assertThat(disabled.outcome()).isEqualTo(ModuleOutcome.DISABLED);
        assertThat(disabled.error()).isNull();
        assertThat(result.success()).isTrue();
        assertThat(info(manager, "text_processing").enabled()).isFalse();
        assertThat(manager.statistics().modules())
                .filteredOn(m -> m.module().equals("text_processing"))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.enabled()).isFalse();
                    assertThat(m.disabled()).isEqualTo(1);
                    assertThat(m.ok()).isZero();
                });
        assertThat(manager.statistics().interrupts().succeeded()).isEqualTo(1);
    }

    @Test
    void moduleTimeoutDefaultsToInterruptTimeout() {
        InterruptManager manager = manager(withInterruptTimeout(Duration.ofMillis(1500)));
        manager.register(recordingTextModule(new ArrayList<>()));

        assertThat(info(manager, "text_processing").timeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void perModuleTimeoutShorterThanInterruptTimeoutApplies() throws Exception {
        // INTERRUPT_TIMEOUT is long; the module's own 200 ms is what bounds it.
        InterruptManager manager = manager(withInterruptTimeout(Duration.ofSeconds(60)));
        CountDownLatch never = gate();
        manager.register(
                module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> never.await())),
                ModuleSettings.withTimeout(Duration.ofMillis(200)));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        ModuleResult timedOut = moduleResult(result, "audio_generation");
        assertThat(timedOut.outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
        assertThat(timedOut.error()).contains("0.2 s");
        assertThat(info(manager, "audio_generation").timeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(result.success()).isFalse();
    }

    @Test
    void perModuleTimeoutLongerThanInterruptTimeoutApplies() throws Exception {
        // INTERRUPT_TIMEOUT is 100 ms; a slow module given 10 s of its own still finishes OK.
        InterruptManager manager = manager(withInterruptTimeout(Duration.ofMillis(100)));
        AtomicInteger finished = new AtomicInteger();
        manager.register(
                module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {
                    Thread.sleep(400);
                    finished.incrementAndGet();
                })),
                ModuleSettings.withTimeout(Duration.ofSeconds(10)));

        InterruptResult result = manager.interrupt(DEVICE, "user_barge_in").get(20, TimeUnit.SECONDS);

        assertThat(moduleResult(result, "audio_generation").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(finished).hasValue(1);
        assertThat(result.success()).isTrue();
    }

    @Test
    void moduleWithDefaultTimeoutTimesOutAtInterruptTimeout() throws Exception {
        InterruptManager manager = manager(withInterruptTimeout(Duration.ofMillis(200)));
        CountDownLatch never = gate();
        manager.register(
                module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> never.await())));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(moduleResult(result, "audio_generation").outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
    }

    @Test
    void nonPositiveModuleTimeoutIsRefused() {
        assertThatThrownBy(() -> ModuleSettings.withTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModuleSettings.withTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- the built-in session_management module -----------------------------------------------------

    @Test
    void disabledSessionManagementLeavesSessionsUnmarked() throws Exception {
        InterruptManager manager = manager();
        manager.configureSessionManagement(ModuleSettings.disabled());
        Session session = manager.openSession(DEVICE);
        AtomicInteger fired = new AtomicInteger();
        session.onInterrupt(fired::incrementAndGet);

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(session.isInterrupted()).isFalse();
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(result.sessionsInterrupted()).isZero();
        assertThat(moduleResult(result, "session_management").outcome()).isEqualTo(ModuleOutcome.DISABLED);
        assertThat(result.success()).isTrue();
        assertThat(info(manager, "session_management").enabled()).isFalse();
        assertThat(manager.activeSessions()).isEqualTo(1);
        // The device view still works: the flag is set.
        assertThat(manager.shouldInterrupt(DEVICE)).isTrue();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 0);
    }

    @Test
    void sessionManagementCanBeReEnabled() throws Exception {
        InterruptManager manager = manager();
        manager.configureSessionManagement(ModuleSettings.disabled());
        manager.configureSessionManagement(ModuleSettings.defaults());
        Session session = manager.openSession(DEVICE);

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(session.isInterrupted()).isTrue();
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(moduleResult(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
    }

    @Test
    void modulesListsSessionManagementFirst() {
        InterruptManager manager = manager();
        manager.register(module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {})));
        manager.register(recordingTextModule(new ArrayList<>()));

        List<ModuleInfo> modules = manager.modules();

        assertThat(modules)
                .extracting(ModuleInfo::module)
                .containsExactly("session_management", "audio_generation", "text_processing");
        ModuleInfo builtIn = modules.get(0);
        assertThat(builtIn.actions()).containsExactly(ModuleAction.INTERRUPT_SESSION);
        assertThat(builtIn.declaredActions()).containsExactly(ModuleAction.INTERRUPT_SESSION);
        assertThat(builtIn.enabled()).isTrue();
        assertThat(builtIn.timeout()).isEqualTo(InterruptSettings.defaults().interruptTimeout());
    }

    @Test
    void newManagerListsOnlySessionManagement() {
        InterruptManager manager = manager();
        assertThat(manager.modules()).singleElement().satisfies(m -> {
            assertThat(m.module()).isEqualTo("session_management");
            assertThat(m.actions()).containsExactly("interrupt_session");
        });
    }

    @Test
    void resultListsSessionManagementFirstThenModulesInRegistrationOrder() throws Exception {
        InterruptManager manager = manager();
        manager.register(module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {})));
        manager.register(recordingTextModule(new ArrayList<>()));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "x"));

        assertThat(result.modules())
                .extracting(ModuleResult::module)
                .containsExactly("session_management", "audio_generation", "text_processing");
    }

    // ---- unregister ------------------------------------------------------------------------------

    @Test
    void unregisterRemovesModuleFromModulesAndFanOut() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(recordingTextModule(log));
        await5s(manager.interrupt(DEVICE, "before"));
        assertThat(log).hasSize(3);

        assertThat(manager.unregister("text_processing")).isTrue();

        assertThat(manager.modules()).extracting(ModuleInfo::module).containsExactly("session_management");
        assertThat(manager.statistics().modules())
                .extracting(StatisticsSnapshot.ModuleStats::module)
                .containsExactly("session_management");
        InterruptResult result = await5s(manager.interrupt(DEVICE, "after"));
        assertThat(log).hasSize(3);
        assertThat(result.modules()).extracting(ModuleResult::module).containsExactly("session_management");
    }

    @Test
    void unregisterUnknownModuleReturnsFalse() {
        InterruptManager manager = manager();
        assertThat(manager.unregister("text_processing")).isFalse();
        assertThat(manager.unregister("session_management")).isFalse();
        assertThat(manager.modules()).extracting(ModuleInfo::module).containsExactly("session_management");
    }

    @Test
    void unregisteredNameCanBeRegisteredAgain() throws Exception {
        InterruptManager manager = manager();
        manager.register(recordingTextModule(new ArrayList<>()));
        manager.unregister("text_processing");
        List<String> log = new CopyOnWriteArrayList<>();

        manager.register(recordingTextModule(log), methods(ModuleAction.CLEAR_BUFFERS));
        await5s(manager.interrupt(DEVICE, "x"));

        assertThat(log).containsExactly(ModuleAction.CLEAR_BUFFERS);
    }

    // ---- action failures -------------------------------------------------------------------------

    @Test
    void throwingActionDoesNotStopLaterActionsOfTheModule() throws Exception {
        InterruptManager manager = manager();
        List<String> effects = new CopyOnWriteArrayList<>();
        manager.register(module(
                "text_processing",
                ModuleAction.of(ModuleAction.CANCEL_GENERATION, cause -> {
                    effects.add(ModuleAction.CANCEL_GENERATION);
                    throw new IllegalStateException("generator gone");
                }),
                ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> {
                    effects.add(ModuleAction.CLEAR_BUFFERS);
                    throw new java.io.IOException("buffer locked");
                }),
                ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> effects.add(ModuleAction.CLEAR_CACHE))));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(effects)
                .containsExactly(ModuleAction.CANCEL_GENERATION, ModuleAction.CLEAR_BUFFERS, ModuleAction.CLEAR_CACHE);
        ModuleResult failed = moduleResult(result, "text_processing");
        assertThat(failed.outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(failed.error())
                .contains("cancel_generation")
                .contains("generator gone")
                .contains("clear_buffers")
                .contains("buffer locked")
                .doesNotContain("clear_cache");
        assertThat(result.success()).isFalse();
    }

    @Test
    void failingModuleDoesNotAffectOtherModules() throws Exception {
        InterruptManager manager = manager();
        List<String> log = new CopyOnWriteArrayList<>();
        manager.register(module("audio_generation", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {
            throw new AssertionError("speaker on fire");
        })));
        manager.register(recordingTextModule(log));

        InterruptResult result = await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThat(moduleResult(result, "audio_generation").outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(moduleResult(result, "audio_generation").error()).contains("speaker on fire");
        assertThat(moduleResult(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(log).hasSize(3);
    }

    @Test
    void moduleDeclaringNoActionsIsRefused() {
        InterruptManager manager = manager();
        assertThatThrownBy(() -> manager.register(module("memory"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moduleDeclaringAnActionTwiceIsRefused() {
        InterruptManager manager = manager();
        assertThatThrownBy(() -> manager.register(module(
                        "memory",
                        ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {}),
                        ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {}))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
