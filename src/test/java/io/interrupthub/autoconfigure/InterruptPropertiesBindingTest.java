package io.interrupthub.autoconfigure;

import java.time.Duration;

import io.interrupthub.ServiceDefaults;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service's environment variables bind in plain seconds and Spring's forms, and a bad value stops start-up
 * with one line naming the variable. (A runner applies no environment post-processor, so it adds the variables'
 * property source as SpringApplication does.)
 */
class InterruptPropertiesBindingTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(context -> EnvironmentVariables.addTo(context.getEnvironment()))
            .withUserConfiguration(ServiceDefaults.class)
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class));

    @Test
    void withNoVariablesTheSeedDefaultsApply() {
        runner.run(context -> {
            InterruptSettings settings = context.getBean(InterruptManager.class).settings();
            assertThat(settings.enabled()).isTrue();
            assertThat(settings.checkInterval()).isEqualTo(Duration.ofMillis(100));
            assertThat(settings.interruptTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(settings.cleanupDelay()).isEqualTo(Duration.ofSeconds(2));
            assertThat(settings.maxActiveSessions()).isEqualTo(100);
            assertThat(settings.sessionTimeout()).isEqualTo(Duration.ofSeconds(300));
            InterruptProperties properties = context.getBean(InterruptProperties.class);
            assertThat(properties.isLogInterrupts()).isTrue();
            assertThat(properties.isLogTiming()).isTrue();
        });
    }

    @Test
    void anEmbeddingApplicationGetsTheSameDefaultsWithoutTheServicesFile() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class))
                .run(context -> assertThat(
                                context.getBean(InterruptManager.class).settings())
                        .isEqualTo(InterruptSettings.defaults()));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "INTERRUPT_CHECK_INTERVAL, 0.1, 100",
        "INTERRUPT_CHECK_INTERVAL, 0.25, 250",
        "INTERRUPT_CHECK_INTERVAL, 50ms, 50",
        "INTERRUPT_TIMEOUT, 5.0, 5000",
        "INTERRUPT_TIMEOUT, 1.5, 1500",
        "INTERRUPT_TIMEOUT, 3, 3000",
        "INTERRUPT_TIMEOUT, 750ms, 750",
        "INTERRUPT_TIMEOUT, 2s, 2000",
        "SESSION_CLEANUP_DELAY, 2.0, 2000",
        "SESSION_CLEANUP_DELAY, 0, 0",
        "SESSION_CLEANUP_DELAY, 500ms, 500",
        "SESSION_TIMEOUT, 300, 300000",
        "SESSION_TIMEOUT, 60.5, 60500",
        "SESSION_TIMEOUT, 10m, 600000"
    })
    void durationVariablesTakeSeedSecondsAndSpringUnits(String variable, String value, long expectedMillis) {
        runner.withPropertyValues(variable + "=" + value).run(context -> {
            InterruptSettings settings = context.getBean(InterruptManager.class).settings();
            Duration bound = switch (variable) {
                case "INTERRUPT_CHECK_INTERVAL" -> settings.checkInterval();
                case "INTERRUPT_TIMEOUT" -> settings.interruptTimeout();
                case "SESSION_CLEANUP_DELAY" -> settings.cleanupDelay();
                default -> settings.sessionTimeout();
            };
            assertThat(bound).isEqualTo(Duration.ofMillis(expectedMillis));
        });
    }

    @Test
    void switchesAndCountsBindFromTheirVariables() {
        runner.withPropertyValues(
                        "GLOBAL_INTERRUPT_ENABLED=false",
                        "MAX_ACTIVE_SESSIONS=7",
                        "LOG_INTERRUPTS=false",
                        "LOG_TIMING=false")
                .run(context -> {
                    InterruptSettings settings =
                            context.getBean(InterruptManager.class).settings();
                    assertThat(settings.enabled()).isFalse();
                    assertThat(settings.maxActiveSessions()).isEqualTo(7);
                    InterruptProperties properties = context.getBean(InterruptProperties.class);
                    assertThat(properties.isLogInterrupts()).isFalse();
                    assertThat(properties.isLogTiming()).isFalse();
                });
    }

    @Test
    void springPropertyNamesWorkAsWell() {
        runner.withPropertyValues("interrupt.timeout=250ms", "interrupt.max-active-sessions=3")
                .run(context -> {
                    InterruptSettings settings =
                            context.getBean(InterruptManager.class).settings();
                    assertThat(settings.interruptTimeout()).isEqualTo(Duration.ofMillis(250));
                    assertThat(settings.maxActiveSessions()).isEqualTo(3);
                });
    }

    @Test
    void otherLibrariesDurationsKeepSpringsBareNumberMeaning() {
        // Our converter only reads @PlainSeconds properties; a bare "300" elsewhere stays 300 ms.
        runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=300")
                .withConfiguration(AutoConfigurations.of(
                        org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration.class))
                .run(context -> assertThat(context.getBean(
                                        org.springframework.boot.autoconfigure.context.LifecycleProperties.class)
                                .getTimeoutPerShutdownPhase())
                        .isEqualTo(Duration.ofMillis(300)));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "INTERRUPT_TIMEOUT, -1",
        "INTERRUPT_TIMEOUT, 0",
        "INTERRUPT_TIMEOUT, abc",
        "INTERRUPT_CHECK_INTERVAL, -0.1",
        "INTERRUPT_CHECK_INTERVAL, soon",
        "SESSION_CLEANUP_DELAY, -2.0",
        "SESSION_TIMEOUT, 0",
        "SESSION_TIMEOUT, 5 minutes",
        "MAX_ACTIVE_SESSIONS, 0",
        "MAX_ACTIVE_SESSIONS, -5",
        "MAX_ACTIVE_SESSIONS, many",
        "GLOBAL_INTERRUPT_ENABLED, maybe",
        "LOG_TIMING, 2"
    })
    void aBadValueStopsStartUpWithOneLineNamingTheVariable(String variable, String value) {
        runner.withPropertyValues(variable + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new InterruptConfigurationFailureAnalyzer(
                            new MockEnvironment().withProperty(variable, value))
                    .analyze(context.getStartupFailure());
            assertThat(analysis).as("our analyzer explains the failure").isNotNull();
            assertThat(analysis.getDescription())
                    .startsWith(variable + ": ")
                    .contains(value)
                    .doesNotContain("\n");
        });
    }
}
