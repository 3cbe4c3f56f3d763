package io.interrupthub.cluster;

import io.interrupthub.autoconfigure.InterruptConfigurationException;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** Cluster mode is off unless asked for, and asked for without its library it refuses to start. */
class ClusterAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class,
                    DataRedisAutoConfiguration.class, InterruptClusterAutoConfiguration.class));

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
                .run(context -> assertThat(context).getFailure()
                        .hasRootCauseInstanceOf(InterruptConfigurationException.class)
                        .rootCause().hasMessageContaining("INTERRUPT_CLUSTER_ENABLED")
                        .hasMessageContaining("spring-boot-starter-data-redis"));
    }

    @Test
    void askedForWithRedisItJoinsTheClusterAsTheNamedInstance() {
        try (RedisServer redis = RedisServer.start()) {
            runner.withPropertyValues("interrupt.cluster.enabled=true", "interrupt.cluster.instance=solo",
                            "spring.data.redis.port=" + redis.port(), "spring.data.redis.timeout=500ms")
                    .run(context -> {
                        RedisInterruptCluster cluster = context.getBean(RedisInterruptCluster.class);
                        assertThat(cluster.connected()).isTrue();
                        assertThat(cluster.instance()).isEqualTo("solo");
                        assertThat(context).hasSingleBean(ClusterMembership.class);
                    });
        }
    }
}
