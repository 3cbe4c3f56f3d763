package io.interrupthub.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.data.redis.connection.RedisNode;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.cluster.ClusterServiceTest.health;
import static io.interrupthub.cluster.ClusterServiceTest.json;
import static io.interrupthub.cluster.ClusterServiceTest.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's switch to Sentinel, done as an operator would: two instances of the service whose
 * environment variables still name one Redis (a port where nothing answers) get
 * {@code SPRING_DATA_REDIS_SENTINEL_MASTER} and {@code SPRING_DATA_REDIS_SENTINEL_NODES} as well, and
 * nothing else; they find the primary through the sentinels and follow its failover.
 */
class ClusterSentinelServiceTest {

    final SentinelRedis redis = SentinelRedis.start();
    final String namespace = "sentinel-service-" + UUID.randomUUID();
    ConfigurableApplicationContext a;
    ConfigurableApplicationContext b;

    ClusterSentinelServiceTest() throws Exception {}

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        redis.close();
    }

    /** An instance whose Redis settings come from environment variables alone, bound as the real ones are. */
    ConfigurableApplicationContext instance(String name) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("INTERRUPT_CLUSTER_ENABLED", "true");
        // What the deployment had for its one Redis: ignored once the sentinel variables are set.
        variables.put("SPRING_DATA_REDIS_HOST", "127.0.0.1");
        variables.put("SPRING_DATA_REDIS_PORT", Integer.toString(RedisServer.freePort()));
        variables.put("SPRING_DATA_REDIS_SENTINEL_MASTER", SentinelRedis.MASTER);
        variables.put(
                "SPRING_DATA_REDIS_SENTINEL_NODES",
                redis.configuration().getSentinels().stream()
                        .map(RedisNode::asString)
                        .collect(Collectors.joining(",")));
        variables.put("SPRING_DATA_REDIS_TIMEOUT", "500ms");
        StandardEnvironment environment = new StandardEnvironment();
        // Named like the process environment, so Spring maps SPRING_DATA_REDIS_* the same way.
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        "test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return new SpringApplicationBuilder(InterruptHubApplication.class)
                .environment(environment)
                .run(
                        "--server.port=0",
                        "--management.server.port=",
                        "--management.endpoint.health.show-details=always",
                        "--interrupt.cluster.instance=" + name,
                        "--interrupt.cluster.namespace=" + namespace,
                        "--interrupt.cluster.heartbeat-interval=100ms",
                        "--interrupt.cluster.reconnect-interval=100ms",
                        "--LOG_INTERRUPTS=false");
    }

    @Test
    void twoInstancesSwitchedToSentinelByEnvironmentVariablesAloneFollowAFailover() {
        a = instance("a");
        b = instance("b");
        awaitPeers();
        interruptOnAStopsASessionOnB("before-failover");

        redis.primary.kill();
        redis.awaitPromotion(ClusterFailoverTest.FAILOVER);
        awaitPeers();
        interruptOnAStopsASessionOnB("after-failover");
    }

    private void awaitPeers() {
        await().atMost(ClusterFailoverTest.FAILOVER).untilAsserted(() -> {
            for (ConfigurableApplicationContext instance : new ConfigurableApplicationContext[] {a, b}) {
                JsonNode cluster = health(instance).path("components").path("interruptCluster");
                assertThat(cluster.path("status").asString()).isEqualTo("UP");
                assertThat(cluster.path("details").path("peers").size()).isEqualTo(1);
            }
        });
    }

    private void interruptOnAStopsASessionOnB(String device) {
        var opened = send(b, "POST", "/sessions", "{\"hardwareId\": \"" + device + "\"}");
        assertThat(opened.statusCode()).isEqualTo(201);
        String sessionId = json(opened).path("sessionId").asString();
        JsonNode result = json(send(a, "POST", "/interrupt/" + device, "{\"reason\": \"barge_in\"}"));
        assertThat(result.path("instances")).singleElement().satisfies(instance -> {
            assertThat(instance.path("instance").asString()).isEqualTo("b");
            assertThat(instance.path("acknowledged").asBoolean()).isTrue();
        });
        assertThat(json(send(b, "GET", "/sessions/" + sessionId, null))
                        .path("state")
                        .asString())
                .isEqualTo("INTERRUPTED");
    }
}
