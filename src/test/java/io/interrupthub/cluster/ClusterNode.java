package io.interrupthub.cluster;

import java.time.Duration;
import java.util.Arrays;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/** One instance of the cluster as a test holds it: its own manager, Redis client and cluster link. */
final class ClusterNode implements AutoCloseable {

    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    final String name;
    final InterruptManager manager;
    final RedisInterruptCluster cluster;
    final StringRedisTemplate redis;
    private final LettuceConnectionFactory connections;
    private boolean killed;

    ClusterNode(String name, int redisPort, InterruptSettings settings, ClusterSettings cluster) {
        this(name, new RedisStandaloneConfiguration("127.0.0.1", redisPort), settings, cluster);
    }

    /** Connected where {@code where} says: one server, or the primary the sentinels name. */
    ClusterNode(String name, RedisConfiguration where, InterruptSettings settings, ClusterSettings cluster) {
        this.name = name;
        this.manager = new InterruptManager(settings).start();
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .commandTimeout(COMMAND_TIMEOUT)
                .clientName(name) // so a test can tell this instance's connections apart in CLIENT LIST
                .clientOptions(ClientOptions.builder()
                        .socketOptions(SocketOptions.builder()
                                .connectTimeout(COMMAND_TIMEOUT)
                                .build())
                        .build())
                .build();
        this.connections = new LettuceConnectionFactory(where, client);
        this.connections.afterPropertiesSet();
        this.connections.start();
        this.redis = new StringRedisTemplate(connections);
        this.redis.afterPropertiesSet();
        this.cluster = new RedisInterruptCluster(
                        redis,
                        connections,
                        manager,
                        cluster,
                        JsonMapper.builder().build(),
                        COMMAND_TIMEOUT)
                .start();
    }

    /** This instance's cluster settings; heartbeats and reconnects every 100 ms so tests move quickly. */
    static ClusterSettings settings(
            String name,
            String namespace,
            InterruptSettings settings,
            Duration keyTtl,
            Duration ackTimeout,
            int maxPending) {
        return new ClusterSettings(
                name,
                namespace,
                ackTimeout,
                Duration.ofMillis(100),
                Duration.ofMillis(100),
                keyTtl,
                1000,
                maxPending,
                settings.interruptTimeout(),
                settings.sessionTimeout(),
                settings.cleanupDelay(),
                settings.maxActiveSessions());
    }

    /** Waits until every one of them is connected and sees all the others. */
    static void awaitPeers(ClusterNode... all) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Arrays.stream(all)
                        .allMatch(
                                n -> n.cluster.connected() && n.cluster.peers().size() == all.length - 1));
    }

    /**
     * The process dies: its connections drop and it never says goodbye, acknowledges or heartbeats
     * again. What Redis holds of it stays until its liveness window passes.
     */
    void kill() {
        killed = true;
        connections.destroy();
    }

    @Override
    public void close() {
        cluster.close();
        manager.close();
        if (!killed) {
            connections.destroy();
        }
    }
}
