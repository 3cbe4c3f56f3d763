package io.interrupthub.cluster;

import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;

import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cluster mode, on with {@code INTERRUPT_CLUSTER_ENABLED=true}: the one {@link InterruptManager} joins
 * the other instances through the Redis that {@code spring.data.redis.*} names.
 */
@AutoConfiguration(after = {InterruptHubAutoConfiguration.class, DataRedisAutoConfiguration.class})
@ConditionalOnClass(StringRedisTemplate.class)
@ConditionalOnProperty(prefix = "interrupt.cluster", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(InterruptClusterProperties.class)
public class InterruptClusterAutoConfiguration {

    /**
     * The bound this instance assumes when {@code spring.data.redis.timeout} is not set (Lettuce itself
     * would then wait 60 s): it only sizes the stream reads and the announce wait; set the property.
     */
    private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);

    @Bean(destroyMethod = "close")
    RedisInterruptCluster interruptCluster(
            InterruptManager manager,
            InterruptClusterProperties cluster,
            StringRedisTemplate redis,
            RedisConnectionFactory connections,
            ObjectProvider<DataRedisProperties> redisProperties,
            ObjectProvider<JsonMapper> json) {
        InterruptSettings core = manager.settings();
        Duration ackTimeout = cluster.ackTimeout() != null
                ? cluster.ackTimeout()
                : core.interruptTimeout().plusSeconds(1);
        ClusterSettings settings = new ClusterSettings(
                instanceName(cluster.instance()),
                cluster.namespace(),
                ackTimeout,
                cluster.heartbeatInterval(),
                cluster.reconnectInterval(),
                cluster.keyTtl(),
                cluster.streamMaxLength(),
                cluster.maxPending(),
                core.interruptTimeout(),
                core.sessionTimeout(),
                core.cleanupDelay(),
                core.maxActiveSessions(),
                cluster.answerWait(),
                cluster.commitOrdering());
        DataRedisProperties redisSettings = redisProperties.getIfAvailable();
        Duration commandTimeout = redisSettings != null && redisSettings.getTimeout() != null
                ? redisSettings.getTimeout()
                : DEFAULT_COMMAND_TIMEOUT;
        return new RedisInterruptCluster(
                        redis, connections, manager, settings, json.getIfAvailable(JsonMapper::new), commandTimeout)
                .start();
    }

    @Bean
    ClusterMembership interruptClusterMembership(RedisInterruptCluster cluster) {
        return new ClusterMembership(cluster);
    }

    private static String instanceName(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "instance";
        }
        // Two instances on one host (or a restarted one still remembered by the others) must differ.
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class ClusterHealthConfiguration {

        @Bean
        HealthIndicator interruptClusterHealthIndicator(RedisInterruptCluster cluster) {
            return new ClusterHealthIndicator(cluster);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class ClusterMetricsConfiguration {

        @Bean
        ClusterMetrics interruptClusterMetrics(RedisInterruptCluster cluster) {
            return new ClusterMetrics(cluster);
        }
    }
}
