package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleInfo;
import io.interrupthub.core.ModuleOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every Interruptible bean is registered with its declared actions and its own variables. */
class ModuleRegistrationContextTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class))
            .withUserConfiguration(Modules.class);

    @Test
    void everyInterruptibleBeanIsRegisteredWithItsDeclaredActions() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            List<ModuleInfo> modules = context.getBean(InterruptManager.class).modules();
            assertThat(modules)
                    .extracting(ModuleInfo::module)
                    .containsExactly("session_management", "text_processing", "audio_generation");
            assertThat(modules.get(0).declaredActions()).containsExactly(ModuleAction.INTERRUPT_SESSION);
            assertThat(modules.get(1).declaredActions()).containsExactly("cancel_generation", "clear_buffers");
            assertThat(modules.get(1).actions()).containsExactly("cancel_generation", "clear_buffers");
            assertThat(modules.get(2).declaredActions()).containsExactly("stop_generation");
            assertThat(modules).allSatisfy(m -> assertThat(m.enabled()).isTrue());
        });
    }

    @Test
    void registeredModulesAreCalledOnInterrupt() {
        runner.run(context -> {
            InterruptResult result = context.getBean(InterruptManager.class).interruptAndWait("dev-1", "test");
            assertThat(result.modules())
                    .extracting(r -> r.module() + ":" + r.outcome())
                    .containsExactly("session_management:OK", "text_processing:OK", "audio_generation:OK");
            assertThat(context.getBean(Modules.class).calls)
                    .containsExactlyInAnyOrder("cancel_generation", "clear_buffers", "stop_generation");
        });
    }

    @Test
    void moduleVariablesInEnvironmentFormConfigureEachModule() {
        runner.withInitializer(environment(Map.of(
                        "INTERRUPT_MODULES_TEXT_PROCESSING_METHODS", "clear_buffers,cancel_generation",
                        "INTERRUPT_MODULES_TEXT_PROCESSING_TIMEOUT", "1.5",
                        "INTERRUPT_MODULES_AUDIO_GENERATION_ENABLED", "false")))
                .run(context -> {
                    List<ModuleInfo> modules =
                            context.getBean(InterruptManager.class).modules();
                    assertThat(modules.get(1).actions()).containsExactly("clear_buffers", "cancel_generation");
                    assertThat(modules.get(1).timeout()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(modules.get(2).enabled()).isFalse();
                    InterruptResult result =
                            context.getBean(InterruptManager.class).interruptAndWait("dev-1", "t");
                    assertThat(result.modules().get(2).outcome()).isEqualTo(ModuleOutcome.DISABLED);
                    assertThat(context.getBean(Modules.class).calls)
                            .containsExactly("clear_buffers", "cancel_generation");
                });
    }

    @Test
    void moduleSettingsAlsoBindFromSpringProperties() {
        runner.withPropertyValues(
                        "interrupt.modules.text-processing.methods=cancel_generation",
                        "interrupt.modules.text-processing.timeout=200ms",
                        "interrupt.modules.session-management.enabled=false")
                .run(context -> {
                    List<ModuleInfo> modules =
                            context.getBean(InterruptManager.class).modules();
                    assertThat(modules.get(0).enabled()).isFalse();
                    assertThat(modules.get(1).actions()).containsExactly("cancel_generation");
                    assertThat(modules.get(1).timeout()).isEqualTo(Duration.ofMillis(200));
                });
    }

    @Test
    void withoutATimeoutAModuleGetsInterruptTimeout() {
        runner.withPropertyValues("interrupt.timeout=750ms")
                .run(context -> assertThat(
                                context.getBean(InterruptManager.class).modules())
                        .allSatisfy(m -> assertThat(m.timeout()).isEqualTo(Duration.ofMillis(750))));
    }

    @Test
    void anUnknownActionStopsStartUpNamingTheModulesVariable() {
        runner.withInitializer(
                        environment(Map.of("INTERRUPT_MODULES_TEXT_PROCESSING_METHODS", "cancel_generation,fly")))
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis =
                            new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .startsWith("INTERRUPT_MODULES_TEXT_PROCESSING_METHODS: ")
                            .contains("'fly'")
                            .doesNotContain("\n");
                });
    }

    @Test
    void aBadModuleTimeoutStopsStartUpNamingTheModulesVariable() {
        for (String bad : List.of("-1", "0", "later")) {
            runner.withInitializer(environment(Map.of("INTERRUPT_MODULES_AUDIO_GENERATION_TIMEOUT", bad)))
                    .run(context -> {
                        assertThat(context).hasFailed();
                        FailureAnalysis analysis =
                                new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
                        assertThat(analysis.getDescription())
                                .startsWith("INTERRUPT_MODULES_AUDIO_GENERATION_TIMEOUT: ");
                    });
        }
    }

    @Test
    void interruptListenerBeansAreTold() {
        runner.withUserConfiguration(Listening.class).run(context -> {
            context.getBean(InterruptManager.class).interruptAndWait("dev-2", "test");
            assertThat(context.getBean(Listening.class).seen)
                    .extracting(InterruptResult::hardwareId)
                    .containsExactly("dev-2");
        });
    }

    @Test
    void anApplicationsOwnManagerIsKept() {
        runner.withBean(
                        InterruptManager.class,
                        () -> new InterruptManager(io.interrupthub.core.InterruptSettings.builder()
                                .maxActiveSessions(3)
                                .build()))
                .run(context -> assertThat(context.getBean(InterruptManager.class)
                                .settings()
                                .maxActiveSessions())
                        .isEqualTo(3));
    }

    /** Environment variables as the operating system would give them, so relaxed env-name binding is exercised. */
    private static ApplicationContextInitializer<ConfigurableApplicationContext> environment(
            Map<String, Object> variables) {
        return context -> context.getEnvironment()
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment", variables));
    }

    @Configuration(proxyBeanMethods = false)
    static class Modules {

        final List<String> calls = new CopyOnWriteArrayList<>();

        @Bean
        Interruptible textProcessing() {
            return module("text_processing", "cancel_generation", "clear_buffers");
        }

        @Bean
        Interruptible audioGeneration() {
            return module("audio_generation", "stop_generation");
        }

        private Interruptible module(String name, String... actions) {
            return new Interruptible() {
                @Override
                public String moduleName() {
                    return name;
                }

                @Override
                public List<ModuleAction> actions() {
                    return java.util.Arrays.stream(actions)
                            .map(a -> ModuleAction.of(a, cause -> calls.add(a)))
                            .toList();
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listening implements InterruptListener {

        final List<InterruptResult> seen = new CopyOnWriteArrayList<>();

        @Override
        public void interruptCompleted(InterruptResult result) {
            seen.add(result);
        }
    }
}
