package io.interrupthub.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two instances of the service itself behind no load balancer: the REST API, health and metrics in cluster mode. */
class ClusterServiceTest {

    static final JsonMapper JSON = JsonMapper.shared();
    static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static RedisServer redis;
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void startTwoInstances() {
        redis = RedisServer.start();
        String namespace = "service-" + UUID.randomUUID();
        a = instance("a", namespace);
        b = instance("b", namespace);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> health(a)
                                        .path("components")
                                        .path("interruptCluster")
                                        .path("details")
                                        .path("peers")
                                        .size()
                                == 1
                        && health(b)
                                        .path("components")
                                        .path("interruptCluster")
                                        .path("details")
                                        .path("peers")
                                        .size()
                                == 1);
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        redis.close();
    }

    static ConfigurableApplicationContext instance(String name, String namespace) {
        return new SpringApplicationBuilder(InterruptHubApplication.class)
                .run(
                        "--server.port=0",
                        "--management.server.port=",
                        "--management.endpoint.health.show-details=always",
                        "--INTERRUPT_CLUSTER_ENABLED=true",
                        "--interrupt.cluster.instance=" + name,
                        "--interrupt.cluster.namespace=" + namespace,
                        "--interrupt.cluster.heartbeat-interval=100ms",
                        "--interrupt.cluster.reconnect-interval=100ms",
                        "--interrupt.cluster.ack-timeout=2s",
                        "--spring.data.redis.host=127.0.0.1",
                        "--spring.data.redis.port=" + redis.port(),
                        "--spring.data.redis.timeout=500ms",
                        "--LOG_INTERRUPTS=false");
    }

    static String url(ConfigurableApplicationContext instance, String path) {
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        return "http://127.0.0.1:" + port + path;
    }

    static HttpResponse<String> send(ConfigurableApplicationContext instance, String method, String path, String body) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(url(instance, path))).timeout(Duration.ofSeconds(20));
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    static JsonNode health(ConfigurableApplicationContext instance) {
        return json(send(instance, "GET", "/actuator/health", null));
    }

    @Test
    void anInterruptPostedToOneInstanceInterruptsASessionOpenedOnTheOther() {
        HttpResponse<String> opened = send(b, "POST", "/sessions", "{\"hardwareId\": \"living-room-1\"}");
        assertThat(opened.statusCode()).isEqualTo(201);
        String sessionId = json(opened).path("sessionId").asString();
        // Listed cluster-wide: a, which does not hold it, shows it too.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(json(send(a, "GET", "/sessions?hardwareId=living-room-1", null))
                                .findValuesAsString("sessionId"))
                        .contains(sessionId));

        HttpResponse<String> interrupted =
                send(a, "POST", "/interrupt/living-room-1", "{\"reason\": \"user_barge_in\"}");

        assertThat(interrupted.statusCode()).isEqualTo(200);
        JsonNode result = json(interrupted);
        assertThat(result.path("success").asBoolean()).isTrue();
        assertThat(result.path("sessionsInterrupted").asInt()).isEqualTo(1);
        assertThat(result.path("instances")).singleElement().satisfies(instance -> {
            assertThat(instance.path("instance").asString()).isEqualTo("b");
            assertThat(instance.path("acknowledged").asBoolean()).isTrue();
        });
        JsonNode session = json(send(b, "GET", "/sessions/" + sessionId, null));
        assertThat(session.path("state").asString()).isEqualTo("INTERRUPTED");
        assertThat(session.path("epoch").asLong())
                .isLessThan(result.path("epoch").asLong());
        // Both instances report the device's flag and epoch alike.
        for (ConfigurableApplicationContext instance : new ConfigurableApplicationContext[] {a, b}) {
            JsonNode flag = json(send(instance, "GET", "/interrupt/living-room-1", null));
            assertThat(flag.path("interrupted").asBoolean()).isTrue();
            assertThat(flag.path("epoch").asLong())
                    .isEqualTo(result.path("epoch").asLong());
        }
    }

    @Test
    void healthGoesDegradedWhileRedisIsDownAndBackAfterwards() {
        assertThat(health(a)
                        .path("components")
                        .path("interruptCluster")
                        .path("status")
                        .asString())
                .isEqualTo("UP");

        redis.kill();
        try {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> response = send(a, "GET", "/actuator/health", null);
                assertThat(response.statusCode()).as("degraded still serves").isEqualTo(200);
                assertThat(json(response).path("status").asString()).isEqualTo("DEGRADED");
                assertThat(json(response)
                                .path("components")
                                .path("interruptCluster")
                                .path("status")
                                .asString())
                        .isEqualTo("DEGRADED");
            });
            assertThat(send(a, "GET", "/actuator/health/readiness", null).statusCode())
                    .as("a degraded instance stays in rotation")
                    .isEqualTo(200);
            assertThat(send(a, "GET", "/actuator/prometheus", null).body())
                    .contains("interrupt_cluster_connected{")
                    .containsPattern("interrupt_cluster_connected\\{[^}]*} 0.0")
                    .containsPattern("interrupt_cluster_outages_total\\{[^}]*} [1-9]");
            // Local interrupts still answer, within their timeout.
            assertThat(send(a, "POST", "/interrupt/degraded-1", "{\"reason\": \"local\"}")
                            .statusCode())
                    .isEqualTo(200);
        } finally {
            redis.restart();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(health(a).path("status").asString()).isEqualTo("UP");
            assertThat(health(b).path("status").asString()).isEqualTo("UP");
        });
        assertThat(send(a, "GET", "/actuator/prometheus", null).body())
                .containsPattern("interrupt_cluster_connected\\{[^}]*} 1.0");
    }
}
