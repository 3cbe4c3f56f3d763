package io.interrupthub.autoconfigure;

import java.time.Clock;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gives an application one {@link InterruptManager}, registers its {@link Interruptible} and
 * {@link InterruptListener} beans, and adds logging, metrics and health when their libraries are present.
 */
@AutoConfiguration
@EnableConfigurationProperties({InterruptProperties.class, InterruptApiProperties.class, SpeechPolicyProperties.class})
public class InterruptHubAutoConfiguration {

    @Bean
    @ConfigurationPropertiesBinding
    static PlainSecondsConverter interruptPlainSecondsConverter() {
        return new PlainSecondsConverter();
    }

    /** A {@link Clock} bean of the application's is used when there is exactly one (tests supply a fake one). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    InterruptManager interruptManager(
            InterruptProperties properties, SpeechPolicyProperties policies, ObjectProvider<Clock> clock) {
        InterruptManager manager = new InterruptManager(properties.toSettings(), clock.getIfUnique(Clock::systemUTC));
        manager.usePolicies(policies.toPolicies());
        return manager.start();
    }

    @Bean
    static OnInterruptMethods onInterruptMethods() {
        return new OnInterruptMethods();
    }

    @Bean
    static InterruptibleRegistrar interruptibleRegistrar(
            ObjectProvider<InterruptManager> manager,
            ObjectProvider<Interruptible> modules,
            ObjectProvider<InterruptListener> listeners,
            OnInterruptMethods onInterruptMethods,
            ObjectProvider<JsonMapper> json,
            ConfigurableEnvironment environment) {
        return new InterruptibleRegistrar(manager, modules, listeners, onInterruptMethods, json, environment);
    }

    @Bean
    InterruptApplicationEvents interruptApplicationEvents(ApplicationEventPublisher publisher) {
        return new InterruptApplicationEvents(publisher);
    }

    @Bean
    InterruptShutdown interruptShutdown(InterruptManager manager) {
        return new InterruptShutdown(manager);
    }

    @Bean
    @ConditionalOnMissingBean(name = "interruptLogListener")
    InterruptListener interruptLogListener(InterruptProperties properties) {
        return properties.isLogInterrupts()
                ? new InterruptLogListener(properties.isLogTiming())
                : new InterruptListener() {};
    }

    /** Cluster mode asked for without its library: refuse to start rather than run alone unnoticed. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "interrupt.cluster", name = "enabled", havingValue = "true")
    @ConditionalOnMissingClass("org.springframework.data.redis.core.StringRedisTemplate")
    static class ClusterWithoutRedis {

        ClusterWithoutRedis() {
            throw new InterruptConfigurationException(
                    "INTERRUPT_CLUSTER_ENABLED",
                    "cluster mode needs Spring Data Redis on the class path (spring-boot-starter-data-redis)",
                    null);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        InterruptMetrics interruptMetrics(InterruptManager manager, InterruptProperties properties) {
            return new InterruptMetrics(manager, properties.getLatencyBudget());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        InterruptsEndpoint interruptsEndpoint(InterruptManager manager) {
            return new InterruptsEndpoint(manager);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("interrupts")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "interruptsHealthIndicator")
        HealthIndicator interruptsHealthIndicator(InterruptManager manager) {
            return new InterruptHealthIndicator(manager);
        }
    }
}
