package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The error handler that turns Jetty's own refusals (and requests beyond its connection limit) into problem
 * details is there on Jetty, under the same switch as the rest of the container-level problem details (off unless
 * the application asks, as the service does), and absent (without failing) where Jetty is not.
 */
class ProblemErrorsConfigurationTest {

    private static final String HANDLER = "interruptProblemErrorHandler";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(InterruptHubAutoConfiguration.class, InterruptWebAutoConfiguration.class))
            .withUserConfiguration(Mapper.class)
            // Neither is part of what is tested here, and each would need its own auto-configuration.
            .withClassLoader(new FilteredClassLoader("org.springframework.security", "org.springdoc"));

    @Configuration(proxyBeanMethods = false)
    static class Mapper {
        @Bean
        JsonMapper jsonMapper() {
            return JsonMapper.shared();
        }
    }

    @Test
    void onJettyTheErrorHandlerIsInstalledWithTheProblemErrorController() {
        runner.withPropertyValues("interrupt.web.problem-errors=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasBean(HANDLER);
            assertThat(context).hasSingleBean(ProblemErrorController.class);
        });
    }

    @Test
    void anEmbeddingApplicationKeepsJettysPageAndItsOwnErrorPage() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(HANDLER);
            assertThat(context).doesNotHaveBean(ProblemErrorController.class);
        });
    }

    @Test
    void withoutJettyThereIsNoErrorHandlerAndNothingFails() {
        runner.withPropertyValues("interrupt.web.problem-errors=true")
                .withClassLoader(new FilteredClassLoader(
                        "org.springframework.security",
                        "org.springdoc",
                        "org.eclipse.jetty",
                        "org.springframework.boot.jetty"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(HANDLER);
                    assertThat(context).hasSingleBean(ProblemErrorController.class);
                });
    }
}
