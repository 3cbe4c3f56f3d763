package io.interrupthub.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.interrupthub.autoconfigure.InterruptApplicationEvents.InterruptCompletedEvent;
import io.interrupthub.autoconfigure.InterruptApplicationEvents.InterruptStartedEvent;
import io.interrupthub.autoconfigure.InterruptApplicationEvents.SessionChangedEvent;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleInfo;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OnInterrupt} methods become modules of snake-cased actions in {@code order()}, and interrupts
 * and session changes reach {@code @EventListener} beans as Spring application events.
 */
class OnInterruptAndEventsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class));

    // ---- @OnInterrupt -------------------------------------------------------------------------------

    @Test
    void annotatedMethodsFormOneModulePerNameWithSnakeCasedActionsInOrder() {
        runner.withUserConfiguration(AnnotatedModules.class).run(context -> {
            assertThat(context).hasNotFailed();
            List<ModuleInfo> modules = context.getBean(InterruptManager.class).modules();

            assertThat(modules)
                    .extracting(ModuleInfo::module)
                    .containsExactlyInAnyOrder("session_management", "text_processing", "audio_generation");
            ModuleInfo text = info(modules, "text_processing");
            assertThat(text.declaredActions())
                    .as("order(), then name; across beans")
                    .containsExactly("clear_buffers", "abort_stream", "cancel_generation", "flush_audio_cache");
            assertThat(text.actions()).containsExactlyElementsOf(text.declaredActions());
            assertThat(info(modules, "audio_generation").declaredActions())
                    .as("action() overrides the method name")
                    .containsExactly("stop_generation");
        });
    }

    @Test
    void annotatedMethodsAreCalledOnInterruptInOrderWithTheCause() {
        runner.withUserConfiguration(AnnotatedModules.class).run(context -> {
            InterruptManager manager = context.getBean(InterruptManager.class);

            InterruptResult result = manager.interruptAndWait("kitchen-1", "user_barge_in");

            assertThat(module(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(module(result, "audio_generation").outcome()).isEqualTo(ModuleOutcome.OK);
            assertThat(result.success()).isTrue();
            Calls calls = context.getBean(Calls.class);
            assertThat(calls.text)
                    .containsExactly("clear_buffers", "abort_stream", "cancel_generation", "flush_audio_cache");
            assertThat(calls.audio).containsExactly("halt");
            assertThat(calls.causes).singleElement().satisfies(cause -> {
                assertThat(cause.hardwareId()).isEqualTo("kitchen-1");
                assertThat(cause.epoch()).isEqualTo(result.epoch());
                assertThat(cause.reason()).isEqualTo("user_barge_in");
            });
        });
    }

    @Test
    void theMethodsVariableChoosesAndOrdersAnnotatedActions() {
        runner.withUserConfiguration(AnnotatedModules.class)
                .withInitializer(environment(
                        Map.of("INTERRUPT_MODULES_TEXT_PROCESSING_METHODS", "cancel_generation,clear_buffers")))
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    assertThat(info(manager.modules(), "text_processing").actions())
                            .containsExactly("cancel_generation", "clear_buffers");

                    manager.interruptAndWait("kitchen-2", "x");

                    assertThat(context.getBean(Calls.class).text).containsExactly("cancel_generation", "clear_buffers");
                });
    }

    @Test
    void anUnknownAnnotatedActionInTheMethodsVariableStopsStartUp() {
        runner.withUserConfiguration(AnnotatedModules.class)
                .withInitializer(
                        environment(Map.of("INTERRUPT_MODULES_TEXT_PROCESSING_METHODS", "cancel_generation,fly")))
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis =
                            new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .startsWith("INTERRUPT_MODULES_TEXT_PROCESSING_METHODS: ")
                            .contains("'fly'");
                });
    }

    @Test
    void aThrowingAnnotatedMethodFailsItsModuleOnly() {
        runner.withUserConfiguration(AnnotatedModules.class, ThrowingModule.class)
                .run(context -> {
                    InterruptResult result =
                            context.getBean(InterruptManager.class).interruptAndWait("kitchen-3", "x");

                    ModuleResult memory = module(result, "memory");
                    assertThat(memory.outcome()).isEqualTo(ModuleOutcome.FAILED);
                    assertThat(memory.error()).contains("clear_cache").contains("cache locked");
                    assertThat(module(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
                    assertThat(result.success()).isFalse();
                });
    }

    @Test
    void aMethodWithAnArgumentOtherThanInterruptCauseFailsStartUp() {
        runner.withUserConfiguration(WrongArgument.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cancel")
                    .hasMessageContaining("must take no argument or one InterruptCause");
        });
    }

    @Test
    void aMethodWithTwoArgumentsFailsStartUp() {
        runner.withUserConfiguration(TwoArguments.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("must take no argument or one InterruptCause");
        });
    }

    @Test
    void snakeCaseOfMethodNames() {
        assertThat(OnInterruptMethods.snakeCase("cancelGeneration")).isEqualTo("cancel_generation");
        assertThat(OnInterruptMethods.snakeCase("flushAudioCache")).isEqualTo("flush_audio_cache");
        assertThat(OnInterruptMethods.snakeCase("stop")).isEqualTo("stop");
        assertThat(OnInterruptMethods.snakeCase("clear2Buffers")).isEqualTo("clear2_buffers");
    }

    // ---- application events -------------------------------------------------------------------------

    @Test
    void listenersReceiveSessionChangedInterruptStartedAndCompletedEvents() {
        runner.withUserConfiguration(EventCollector.class).run(context -> {
            InterruptManager manager = context.getBean(InterruptManager.class);
            EventCollector collector = context.getBean(EventCollector.class);

            Session session = manager.openSession("kitchen-ev", "stream-ev", null);
            List<SessionChangedEvent> afterOpen = collector.of(SessionChangedEvent.class);
            assertThat(afterOpen).singleElement().satisfies(e -> {
                assertThat(e.session().sessionId()).isEqualTo("stream-ev");
                assertThat(e.session().hardwareId()).isEqualTo("kitchen-ev");
                assertThat(e.session().state()).isEqualTo(SessionState.ACTIVE);
            });

            InterruptResult result =
                    manager.interrupt("kitchen-ev", "user_barge_in", "vad").join();

            assertThat(collector.of(InterruptStartedEvent.class))
                    .singleElement()
                    .satisfies(e -> {
                        InterruptCause cause = e.cause();
                        assertThat(cause.hardwareId()).isEqualTo("kitchen-ev");
                        assertThat(cause.epoch()).isEqualTo(result.epoch());
                        assertThat(cause.reason()).isEqualTo("user_barge_in");
                        assertThat(cause.source()).isEqualTo("vad");
                        assertThat(cause.at()).isEqualTo(result.startedAt());
                        assertThat(e.sessionIds()).containsExactly("stream-ev");
                    });
            assertThat(collector.of(InterruptCompletedEvent.class))
                    .as("published before the caller sees the result")
                    .singleElement()
                    .satisfies(e -> assertThat(e.result()).isEqualTo(result));
            List<SessionInfo> sessionChanges = collector.of(SessionChangedEvent.class).stream()
                    .map(SessionChangedEvent::session)
                    .toList();
            assertThat(sessionChanges)
                    .extracting(SessionInfo::state)
                    .containsExactly(SessionState.ACTIVE, SessionState.INTERRUPTED);
            SessionInfo interrupted = sessionChanges.get(1);
            assertThat(interrupted.sessionId()).isEqualTo(session.sessionId());
            assertThat(interrupted.interruptedAt()).isEqualTo(result.startedAt());

            int started = collector.indexOf(InterruptStartedEvent.class);
            int completed = collector.indexOf(InterruptCompletedEvent.class);
            assertThat(collector.indexOf(SessionChangedEvent.class)).isLessThan(started);
            assertThat(started).isLessThan(completed);

            Session next = manager.openSession("kitchen-ev", "stream-next", null);
            manager.endSession(next.sessionId());
            assertThat(collector.of(SessionChangedEvent.class))
                    .extracting(e -> e.session().sessionId() + ":" + e.session().state())
                    .containsExactly(
                            "stream-ev:ACTIVE", "stream-ev:INTERRUPTED", "stream-next:ACTIVE", "stream-next:ENDED");
        });
    }

    @Test
    void theStartedEventComesBeforeModulesAreCalledAndTheCompletedEventAfterTheyAnswered() {
        runner.withUserConfiguration(EventCollector.class, PeekingModule.class).run(context -> {
            InterruptResult result = context.getBean(InterruptManager.class).interruptAndWait("kitchen-peek", "x");

            PeekingModule peeking = context.getBean(PeekingModule.class);
            assertThat(peeking.seenWhileRunning).containsExactly("started");
            EventCollector collector = context.getBean(EventCollector.class);
            assertThat(collector.of(InterruptCompletedEvent.class))
                    .singleElement()
                    .satisfies(e ->
                            assertThat(module(e.result(), "peeking").outcome()).isEqualTo(ModuleOutcome.OK));
            assertThat(collector.of(InterruptStartedEvent.class))
                    .singleElement()
                    .satisfies(e -> assertThat(e.sessionIds()).isEmpty());
            assertThat(result.success()).isTrue();
        });
    }

    @Test
    void anInterruptOfADeviceWithoutSessionsStillPublishesStartedAndCompleted() {
        runner.withUserConfiguration(EventCollector.class).run(context -> {
            InterruptResult result = context.getBean(InterruptManager.class).interruptAndWait("kitchen-empty", "x");

            EventCollector collector = context.getBean(EventCollector.class);
            assertThat(collector.of(InterruptStartedEvent.class))
                    .singleElement()
                    .satisfies(e -> assertThat(e.cause().epoch()).isEqualTo(result.epoch()));
            assertThat(collector.of(InterruptCompletedEvent.class))
                    .singleElement()
                    .satisfies(e -> assertThat(e.result().sessionsInterrupted()).isZero());
            assertThat(collector.of(SessionChangedEvent.class)).isEmpty();
        });
    }

    // ---- beans --------------------------------------------------------------------------------------

    static class Calls {
        final List<String> text = new CopyOnWriteArrayList<>();
        final List<String> audio = new CopyOnWriteArrayList<>();
        final List<InterruptCause> causes = new CopyOnWriteArrayList<>();
    }

    @Configuration(proxyBeanMethods = false)
    static class AnnotatedModules {

        @Bean
        Calls calls() {
            return new Calls();
        }

        @Bean
        TextProcessing textProcessing(Calls calls) {
            return new TextProcessing(calls);
        }

        @Bean
        Streams streams(Calls calls) {
            return new Streams(calls);
        }

        @Bean
        AudioGeneration audioGeneration(Calls calls) {
            return new AudioGeneration(calls);
        }
    }

    static class TextProcessing {
        private final Calls calls;

        TextProcessing(Calls calls) {
            this.calls = calls;
        }

        @OnInterrupt(module = "text_processing", order = 2)
        public void cancelGeneration(InterruptCause cause) {
            calls.text.add("cancel_generation");
            calls.causes.add(cause);
        }

        @OnInterrupt(module = "text_processing", order = 1)
        void clearBuffers() {
            calls.text.add("clear_buffers");
        }

        @OnInterrupt(module = "text_processing", order = 3)
        void flushAudioCache() {
            calls.text.add("flush_audio_cache");
        }

        public void notAnAction() {
            calls.text.add("not_an_action");
        }
    }

    /** Another bean adding an action to the same module; equal order, so the name decides. */
    static class Streams {
        private final Calls calls;

        Streams(Calls calls) {
            this.calls = calls;
        }

        @OnInterrupt(module = "text_processing", order = 2)
        void abortStream() {
            calls.text.add("abort_stream");
        }
    }

    static class AudioGeneration {
        private final Calls calls;

        AudioGeneration(Calls calls) {
            this.calls = calls;
        }

        @OnInterrupt(module = "audio_generation", action = "stop_generation")
        void halt() {
            calls.audio.add("halt");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ThrowingModule {
        @OnInterrupt(module = "memory")
        void clearCache() {
            throw new IllegalStateException("cache locked");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WrongArgument {
        @OnInterrupt(module = "text_processing")
        void cancel(String hardwareId) {}
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoArguments {
        @OnInterrupt(module = "text_processing")
        void cancel(InterruptCause cause, String extra) {}
    }

    @Configuration(proxyBeanMethods = false)
    static class EventCollector {
        final List<ApplicationEvent> events = new CopyOnWriteArrayList<>();

        @EventListener
        void started(InterruptStartedEvent event) {
            events.add(event);
        }

        @EventListener
        void completed(InterruptCompletedEvent event) {
            events.add(event);
        }

        @EventListener
        void sessionChanged(SessionChangedEvent event) {
            events.add(event);
        }

        <T extends ApplicationEvent> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        int indexOf(Class<? extends ApplicationEvent> type) {
            for (int i = 0; i < events.size(); i++) {
                if (type.isInstance(events.get(i))) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Records which interrupt events had been published when its action ran. */
    @Configuration(proxyBeanMethods = false)
    static class PeekingModule {
        final List<String> seenWhileRunning = new CopyOnWriteArrayList<>();
        private final EventCollector collector;

        PeekingModule(EventCollector collector) {
            this.collector = collector;
        }

        @OnInterrupt(module = "peeking")
        void peek() {
            if (!collector.of(InterruptStartedEvent.class).isEmpty()) {
                seenWhileRunning.add("started");
            }
            if (!collector.of(InterruptCompletedEvent.class).isEmpty()) {
                seenWhileRunning.add("completed");
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static ModuleInfo info(List<ModuleInfo> modules, String name) {
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

    private static ApplicationContextInitializer<ConfigurableApplicationContext> environment(
            Map<String, Object> variables) {
        return context -> context.getEnvironment()
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment", variables));
    }
}
