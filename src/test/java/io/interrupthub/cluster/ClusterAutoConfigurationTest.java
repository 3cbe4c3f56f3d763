package io.interrupthub.cluster;

import io.interrupthub.autoconfigure.InterruptConfigurationException;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** Cluster mode is off unless asked for, and asked for without its library it refuses to start. */
class ClusterAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    InterruptHubAutoConfiguration.class,
                    DataRedisAutoConfiguration.class,
                    InterruptClusterAutoConfiguration.class));

    @Test
    void byDefaultNoInstanceJoinsACluster() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(RedisInterruptCluster.class);
            assertThat(context).doesNotHaveBean(ClusterMembership.class);
        });
    }

    @Test
    void askedForWithoutSpringDataRedisItStopsStartUpNamingTheVariable() {
        runner.withClassLoader(new FilteredClassLoader(StringRedisTemplate.class))
                .withPropertyValues("interrupt.cluster.enabled=true")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasRootCauseInstanceOf(InterruptConfigurationException.class)
                        .rootCause()
                        .hasMessageContaining("INTERRUPT_CLUSTER_ENABLED")
                        .hasMessageContaining("spring-boot-starter-data-redis"));
    }

    @Test
    void askedForWithRedisItJoinsAsTheNamedInstanceAndLeavesWhenTheApplicationStops() {
        try (RedisServer redis = RedisServer.start()) {
            LettuceConnectionFactory observer =
                    new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
            observer.afterPropertiesSet();
            observer.start();
            StringRedisTemplate look = new StringRedisTemplate(observer);
            try {
                runner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
                        .withPropertyValues(
                                "interrupt.cluster.enabled=true",
                                "interrupt.cluster.instance=solo",
                                "spring.data.redis.port=" + redis.port(),
                                "spring.data.redis.timeout=500ms")
                        .run(context -> {
                            RedisInterruptCluster cluster = context.getBean(RedisInterruptCluster.class);
                            assertThat(cluster.connected()).isTrue();
                            assertThat(look.opsForZSet().score("interrupt-hub:instances", "solo"))
                                    .isNotNull();
                        });
                // Gone at once, not after the others have missed three of its heartbeats.
                assertThat(look.opsForZSet().score("interrupt-hub:instances", "solo"))
                        .isNull();
            } finally {
                observer.destroy();
            }
        }
    }
}
