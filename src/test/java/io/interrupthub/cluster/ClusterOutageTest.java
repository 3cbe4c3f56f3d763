package io.interrupthub.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis going away and coming back, and what the cluster leaves in Redis once the traffic stops. */
class ClusterOutageTest {

    final RedisServer redis = RedisServer.start();
    final List<ClusterNode> nodes = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();

    @AfterEach
    void close() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    ClusterNode node(String name, InterruptSettings settings, Duration keyTtl, Duration ackTimeout) {
        return node(name, settings, keyTtl, ackTimeout, 1000);
    }

    ClusterNode node(String name, InterruptSettings settings, Duration keyTtl, Duration ackTimeout, int maxPending) {
        ClusterNode node = new ClusterNode(
                name,
                redis.port(),
                settings,
                ClusterNode.settings(name, namespace, settings, keyTtl, ackTimeout, maxPending));
        nodes.add(node);
        return node;
    }

    ClusterNode node(String name) {
        return node(name, InterruptSettings.defaults(), Duration.ofMinutes(5), Duration.ofMillis(1500));
    }

    @Test
    void interruptsIssuedWhileRedisIsDownStillStopTheirSessionsOnceItIsBack() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session onB = b.manager.openSession("speaker-on-b");
        Session onA = a.manager.openSession("speaker-on-a");
        long outagesBefore = a.cluster.outages.sum();

        redis.kill();
        // Each side interrupts the device the other holds; neither can be told now.
        InterruptResult fromA = a.manager
                .interrupt("speaker-on-b", "barge_in_during_outage")
                .get(ClusterNode.COMMAND_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
        InterruptResult fromB = b.manager
                .interrupt("speaker-on-a", "barge_in_during_outage")
                .get(ClusterNode.COMMAND_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);

        assertThat(fromA.unacknowledged()).containsExactly("b");
        assertThat(fromA.success()).isFalse();
        assertThat(fromB.unacknowledged()).containsExactly("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.cluster.connected() && !b.cluster.connected());
        assertThat(a.cluster.outages.sum()).isGreaterThan(outagesBefore);
        assertThat(a.cluster.pendingReplays()).isEqualTo(1);
        assertThat(onB.isInterrupted()).as("b cannot have heard it yet").isFalse();
        // Local interrupts keep working while degraded.
        Session local = a.manager.openSession("local-only");
        a.manager.interrupt("local-only", "local").get(5, TimeUnit.SECONDS);
        assertThat(local.isInterrupted()).isTrue();

        redis.restart();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(onB.isInterrupted()).as("a's outage interrupt reached b").isTrue();
            assertThat(onA.isInterrupted()).as("b's outage interrupt reached a").isTrue();
        });
        ClusterNode.awaitPeers(a, b);
        assertThat(a.cluster.pendingReplays()).isZero();
        assertThat(b.cluster.pendingReplays()).isZero();
        assertThat(a.cluster.replayed.sum()).isGreaterThanOrEqualTo(1);
        // Afterwards every instance agrees on the devices' epochs with the cluster.
        for (String device : List.of("speaker-on-b", "speaker-on-a")) {
            long cluster = Long.parseLong(a.redis.opsForValue().get(namespace + ":epoch:" + device));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(a.manager.flagStatus(device).epoch()).isEqualTo(cluster);
                assertThat(b.manager.flagStatus(device).epoch()).isEqualTo(cluster);
            });
        }
    }

    @Test
    void signalsSentDuringAShortBlipAreReadAfterIt() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session first = b.manager.openSession("blip-1");

        redis.kill();
        redis.restart();
        // a may or may not have noticed the blip; either way the interrupt must reach b.
        a.manager.interrupt("blip-1", "after_blip").get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(20)).until(first::isInterrupted);
    }

    @Test
    void redisHoldsNoKeysOnceTheTrafficStopsAndTheirLifetimesPass() throws Exception {
        InterruptSettings quick = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofMillis(300))
                .cleanupDelay(Duration.ofMillis(200))
                .maxActiveSessions(100)
                .sessionTimeout(Duration.ofSeconds(1))
                .historySize(100)
                .maxDevices(1000)
                .maxCallbacksPerSession(8)
                .sweepInterval(Duration.ofMillis(50))
                .moduleThreads(4)
                .moduleQueueCapacity(64)
                .build();
        ClusterNode a = node("a", quick, Duration.ofSeconds(1), Duration.ofMillis(300));
        ClusterNode b = node("b", quick, Duration.ofSeconds(1), Duration.ofMillis(300));
        ClusterNode.awaitPeers(a, b);
        for (int i = 0; i < 50; i++) {
            ClusterNode n = i % 2 == 0 ? a : b;
            Session s = n.manager.openSession("device-" + (i % 7));
            if (i % 3 == 0) {
                n.manager.endSession(s.sessionId());
            } else {
                (i % 2 == 0 ? b : a)
                        .manager
                        .interrupt("device-" + (i % 7), "traffic")
                        .get(5, TimeUnit.SECONDS);
            }
        }
        // Every key the cluster wrote carries an expiry.
        Set<String> written = a.redis.keys(namespace + ":*");
        assertThat(written).isNotEmpty();
        for (String key : written) {
            Long ttl = a.redis.getExpire(key, TimeUnit.MILLISECONDS);
            // PTTL answers -1 for a key without expiry; 0 (about to expire) and -2 (already gone) are both fine.
            assertThat(ttl).as("expiry of %s", key).isNotNull().isNotEqualTo(-1L);
        }
        nodes.forEach(ClusterNode::close);
        nodes.clear();

        LettuceConnectionFactory observer =
                new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        observer.afterPropertiesSet();
        observer.start();
        try {
            StringRedisTemplate look = new StringRedisTemplate(observer);
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(look.keys(namespace + ":*")).isEmpty());
        } finally {
            observer.destroy();
        }
    }

    @Test
    void interruptsRememberedDuringAnOutageAreBoundedAndTheOverflowIsCounted() throws Exception {
        ClusterNode a = node("a", InterruptSettings.defaults(), Duration.ofMinutes(5), Duration.ofMillis(500), 3);
        ClusterNode.awaitPeers(a);

        redis.kill();
        for (int i = 0; i < 6; i++) {
            a.manager.interrupt("outage-device-" + (i % 5), "outage").get(5, TimeUnit.SECONDS);
        }

        // Five devices, room for three: the newest interrupt per device is kept, two devices overflow.
        assertThat(a.cluster.pendingReplays()).isEqualTo(3);
        assertThat(a.cluster.dropped.sum()).isEqualTo(2);
        redis.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.cluster.connected() && a.cluster.pendingReplays() == 0);
        assertThat(a.cluster.replayed.sum()).isEqualTo(3);
    }
}
