package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptConfigurationFailureAnalyzer;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.reference.ReferencePipelineAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an application that embeds the library gets from its auto-configuration, with and without the optional
 * libraries: nothing it did not ask for, and no way to run less protected than it configured.
 */
class LibraryEmbeddingTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    InterruptHubAutoConfiguration.class,
                    InterruptWebAutoConfiguration.class,
                    ReferencePipelineAutoConfiguration.class))
            .withUserConfiguration(Mapper.class)
            .withClassLoader(new FilteredClassLoader("org.springframework.security", "org.springdoc"));

    @Configuration(proxyBeanMethods = false)
    static class Mapper {
        @Bean
        JsonMapper jsonMapper() {
            return JsonMapper.shared();
        }
    }

    @Test
    void apiKeysWithoutSpringSecurityStopStartUpWithOneLineNamingThePropertyAndTheMissingLibrary() {
        runner.withPropertyValues("interrupt.api.keys=secret").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription())
                    .startsWith("interrupt.api.keys: ")
                    .contains("spring-boot-starter-security")
                    .doesNotContain("\n")
                    .doesNotContain("secret");
        });
    }

    @Test
    void blankKeysWithoutSpringSecurityMeanNoKeysAndStartUpGoesOn() {
        runner.withPropertyValues("interrupt.api.keys= , ").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(InterruptController.class);
        });
    }

    @Test
    void withSpringSecurityTheKeysAreEnforcedByTheApisOwnChain() {
        runner.withClassLoader(new FilteredClassLoader("org.springdoc"))
                .withConfiguration(AutoConfigurations.of(
                        org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration
                                .class,
                        org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration.class))
                .withPropertyValues("interrupt.api.keys=secret")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasBean("interruptApiSecurityFilterChain");
                    assertThat(context.getBeansOfType(SecurityFilterChain.class))
                            .isNotEmpty();
                });
    }

    @Test
    void nothingGlobalUnlessAskedForNoErrorPageNoConsoleNoReferencePipeline() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ProblemErrorController.class);
            assertThat(context).doesNotHaveBean(ProblemTypeEverywhereAdvice.class);
            assertThat(context).doesNotHaveBean("interruptProblemErrorHandler");
            assertThat(context).doesNotHaveBean(ConsolePage.class);
            assertThat(context).doesNotHaveBean("referenceStreams");
            assertThat(context).hasSingleBean(InterruptController.class);
        });
    }

    @Test
    void theServicesChoicesAreEachOneProperty() {
        runner.withPropertyValues(
                        "interrupt.web.problem-errors=true",
                        "interrupt.console.enabled=true",
                        "interrupt.reference.enabled=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(ProblemErrorController.class);
                    assertThat(context).hasSingleBean(ConsolePage.class);
                    assertThat(context).hasBean("referenceStreams");
                });
    }

    @Test
    void aBasePathThatIsNotAPathStopsStartUp() {
        runner.withPropertyValues("interrupt.web.base-path=voice/")
                .run(context -> assertThat(context).hasFailed());
    }
}
