package io.interrupthub.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleInfo;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.remote.WebhookModuleTest.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remote workers configured the way an operator does it: {@code INTERRUPT_MODULES_<NAME>_URL} (or
 * {@code interrupt.modules.<name>.url}) with its timeout, methods and max-concurrent, against a real
 * local worker; and bad values that must stop start-up naming the variable.
 */
class WebhookConfigurationTest {

    private static final long MARGIN_SECONDS = 5;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class));
    private Worker worker;

    @BeforeEach
    void startWorker() throws IOException {
        worker = Worker.start();
    }

    @AfterEach
    void stopWorker() {
        worker.close();
    }

    @Test
    void anUrlVariableMakesAWebhookModuleThatIsCalledOnInterrupt() {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT",
                        "0.3")))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    ModuleInfo tts = info(manager, "tts_worker");
                    assertThat(tts.enabled()).isTrue();
                    assertThat(tts.timeout()).isEqualTo(Duration.ofMillis(300));
                    assertThat(tts.actions()).containsExactly("notify");

                    InterruptResult result = interrupt(manager, "kitchen-1", Duration.ofMillis(300));

                    assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
                    assertThat(worker.received).singleElement().satisfies(call -> {
                        assertThat(call.json().get("module").stringValue()).isEqualTo("tts_worker");
                        assertThat(call.json().get("hardwareId").stringValue()).isEqualTo("kitchen-1");
                        assertThat(call.json().get("epoch").longValue()).isEqualTo(result.epoch());
                        assertThat(call.idempotencyKey()).isEqualTo("kitchen-1:" + result.epoch() + ":notify");
                    });
                });
    }

    @Test
    void aSilentWorkerIsTimedOutWithinTheConfiguredTimeout() {
        worker.silent();
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT",
                        "0.3")))
                .run(context -> {
                    InterruptResult result = interrupt(
                            context.getBean(InterruptManager.class), "kitchen-silent", Duration.ofMillis(300));

                    ModuleResult tts = module(result, "tts_worker");
                    assertThat(tts.outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
                    assertThat(tts.error()).contains("no answer within");
                    assertThat(result.success()).isFalse();
                    assertThat(module(result, "session_management").outcome()).isEqualTo(ModuleOutcome.OK);
                });
    }

    /**
     * The configured timeout bounds both the fan-out and the HTTP request; whichever fires first must not
     * decide the outcome: a worker that never answers is TIMED_OUT every time, never FAILED with the
     * request's own timeout error. Repeated, because the two timers race (about one call in ten loses it today).
     */
    @Test
    void aSilentWorkerIsTimedOutEveryTimeNeverFailedByTheRequestTimeout() {
        worker.silent();
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT",
                        "0.3")))
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    Map<String, Integer> outcomes = new TreeMap<>();
                    for (int i = 0; i < 40; i++) {
                        ModuleResult tts =
                                module(interrupt(manager, "kitchen-race-" + i, Duration.ofMillis(300)), "tts_worker");
                        outcomes.merge(
                                tts.outcome() + (tts.error() == null ? "" : " (" + tts.error() + ")"), 1, Integer::sum);
                    }
                    assertThat(outcomes)
                            .as("outcomes of 40 calls to a silent worker")
                            .containsOnlyKeys("TIMED_OUT (no answer within 0.3 s)");
                });
    }

    @Test
    void aWorkerAnswering500IsFailed() {
        worker.answer(500);
        runner.withInitializer(environment(
                        Map.of("INTERRUPT_MODULES_TTS_WORKER_URL", worker.url().toString())))
                .run(context -> {
                    InterruptResult result =
                            interrupt(context.getBean(InterruptManager.class), "kitchen-500", Duration.ofSeconds(5));

                    assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.FAILED);
                    assertThat(module(result, "tts_worker").error()).contains("500");
                });
    }

    @Test
    void theMethodsVariableMakesOnePostPerActionInOrder() {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_METHODS",
                        "stop_generation,clear_buffers,clear_cache")))
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    assertThat(info(manager, "tts_worker").actions())
                            .containsExactly("stop_generation", "clear_buffers", "clear_cache");

                    InterruptResult result = interrupt(manager, "kitchen-methods", Duration.ofSeconds(5));

                    assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
                    assertThat(worker.received)
                            .extracting(r -> r.json().get("action").stringValue())
                            .containsExactly("stop_generation", "clear_buffers", "clear_cache");
                });
    }

    @Test
    void withoutATimeoutTheWebhookGetsInterruptTimeout() {
        runner.withPropertyValues("interrupt.timeout=750ms")
                .withInitializer(environment(
                        Map.of("INTERRUPT_MODULES_TTS_WORKER_URL", worker.url().toString())))
                .run(context -> assertThat(info(context.getBean(InterruptManager.class), "tts_worker")
                                .timeout())
                        .isEqualTo(Duration.ofMillis(750)));
    }

    @Test
    void theSpringPropertyFormConfiguresAWebhookToo() {
        runner.withPropertyValues(
                        "interrupt.modules.tts-worker.url=" + worker.url(),
                        "interrupt.modules.tts-worker.timeout=300ms",
                        "interrupt.modules.tts-worker.methods=cancel_generation")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    ModuleInfo tts = info(manager, "tts_worker");
                    assertThat(tts.timeout()).isEqualTo(Duration.ofMillis(300));
                    assertThat(tts.actions()).containsExactly("cancel_generation");

                    InterruptResult result = interrupt(manager, "kitchen-props", Duration.ofMillis(300));

                    assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
                    assertThat(worker.received)
                            .extracting(r -> r.json().get("action").stringValue())
                            .containsExactly("cancel_generation");
                });
    }

    @Test
    void everyConfiguredWorkerBecomesItsOwnModule() throws IOException {
        try (Worker memory = Worker.start()) {
            runner.withInitializer(environment(Map.of(
                            "INTERRUPT_MODULES_TTS_WORKER_URL", worker.url().toString(),
                            "INTERRUPT_MODULES_MEMORY_URL", memory.url().toString())))
                    .run(context -> {
                        InterruptManager manager = context.getBean(InterruptManager.class);
                        assertThat(manager.modules())
                                .extracting(ModuleInfo::module)
                                .containsExactlyInAnyOrder("session_management", "memory", "tts_worker");

                        InterruptResult result = interrupt(manager, "kitchen-two", Duration.ofSeconds(5));

                        assertThat(result.success()).isTrue();
                        assertThat(worker.received)
                                .singleElement()
                                .satisfies(
                                        r -> assertThat(r.json().get("module").stringValue())
                                                .isEqualTo("tts_worker"));
                        assertThat(memory.received)
                                .singleElement()
                                .satisfies(
                                        r -> assertThat(r.json().get("module").stringValue())
                                                .isEqualTo("memory"));
                    });
        }
    }

    @Test
    void aDisabledWebhookIsNotCalled() {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_ENABLED",
                        "false")))
                .run(context -> {
                    InterruptResult result =
                            interrupt(context.getBean(InterruptManager.class), "kitchen-off", Duration.ofSeconds(5));

                    assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.DISABLED);
                    assertThat(worker.received).isEmpty();
                });
    }

    @Test
    void maxConcurrentBoundsCallsInFlightAndTheExtraCallFailsFast() {
        worker.silent();
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL", worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT", "20",
                        "INTERRUPT_MODULES_TTS_WORKER_MAX_CONCURRENT", "1")))
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    InterruptFuture hanging = manager.interrupt("kitchen-a", "first");
                    await().atMost(Duration.ofSeconds(MARGIN_SECONDS)).until(() -> worker.received.size() == 1);

                    InterruptResult refused =
                            manager.interrupt("kitchen-b", "second").get(MARGIN_SECONDS, TimeUnit.SECONDS);

                    assertThat(module(refused, "tts_worker").outcome()).isEqualTo(ModuleOutcome.FAILED);
                    assertThat(module(refused, "tts_worker").error()).contains("in flight");
                    assertThat(hanging).isNotDone();

                    worker.answer(200);
                    worker.releaseSilent();
                    assertThat(module(hanging.get(20 + MARGIN_SECONDS, TimeUnit.SECONDS), "tts_worker")
                                    .outcome())
                            .isEqualTo(ModuleOutcome.OK);
                });
    }

    // ---- bad values stop start-up ---------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] URL ''{0}''")
    @ValueSource(strings = {"ftp://x", "not a url", "/interrupt", "http:///interrupt", "mailto:ops@example.com"})
    void aBadUrlStopsStartUpNamingTheUrlVariable(String url) {
        runner.withInitializer(environment(Map.of("INTERRUPT_MODULES_TTS_WORKER_URL", url)))
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_URL: "));
    }

    @Test
    void anEmptyUrlStopsStartUpNamingTheUrlVariable() {
        runner.withInitializer(environment(Map.of("INTERRUPT_MODULES_TTS_WORKER_URL", "")))
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_URL: "));
    }

    @Test
    void aBadSpringPropertyUrlStopsStartUpToo() {
        runner.withPropertyValues("interrupt.modules.tts-worker.url=ftp://x")
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_URL: "));
    }

    @ParameterizedTest(name = "[{index}] timeout ''{0}''")
    @ValueSource(strings = {"-1", "0", "soon"})
    void aBadTimeoutStopsStartUpNamingTheTimeoutVariable(String timeout) {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT",
                        timeout)))
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_TIMEOUT: "));
    }

    @ParameterizedTest(name = "[{index}] max-concurrent ''{0}''")
    @ValueSource(strings = {"0", "-3", "many"})
    void aBadMaxConcurrentStopsStartUpNamingItsVariable(String maxConcurrent) {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_MAX_CONCURRENT",
                        maxConcurrent)))
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_MAX_CONCURRENT: "));
    }

    @Test
    void aMalformedActionNameStopsStartUpNamingTheMethodsVariable() {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TTS_WORKER_URL",
                        worker.url().toString(),
                        "INTERRUPT_MODULES_TTS_WORKER_METHODS",
                        "cancel_generation,Clear-Buffers")))
                .run(context -> assertStartUpFailure(context, "INTERRUPT_MODULES_TTS_WORKER_METHODS: "));
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private static void assertStartUpFailure(AssertableApplicationContext context, String descriptionStart) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
        assertThat(analysis.getDescription()).startsWith(descriptionStart).doesNotContain("\n");
    }

    private static InterruptResult interrupt(InterruptManager manager, String hardwareId, Duration moduleTimeout)
            throws Exception {
        return manager.interrupt(hardwareId, "user_barge_in")
                .get(moduleTimeout.toSeconds() + MARGIN_SECONDS, TimeUnit.SECONDS);
    }

    private static ModuleInfo info(InterruptManager manager, String name) {
        List<ModuleInfo> modules = manager.modules();
        return modules.stream()
                .filter(m -> m.module().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no module " + name + " in " + modules));
    }

    private static ModuleResult module(InterruptResult result, String name) {
        return result.modules().stream()
                .filter(m -> m.module().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no module " + name + " in " + result.modules()));
    }

    /** Environment variables as the operating system would give them, so relaxed env-name binding is exercised. */
    private static ApplicationContextInitializer<ConfigurableApplicationContext> environment(
            Map<String, Object> variables) {
        Map<String, Object> copy = new HashMap<>(variables);
        return context -> context.getEnvironment()
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment", copy));
    }
}
