package io.interrupthub.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One instance cut off from Redis while the others keep it: the two sides' interrupts must meet afterwards. */
class ClusterPartitionTest {

    final RedisServer redis = RedisServer.start();
    final List<ClusterNode> nodes = new ArrayList<>();
    final List<CuttableProxy> proxies = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();

    @AfterEach
    void close() throws Exception {
        nodes.forEach(ClusterNode::close);
        for (CuttableProxy proxy : proxies) {
            proxy.close();
        }
        redis.close();
    }

    ClusterNode node(String name, int port) {
        InterruptSettings settings = InterruptSettings.defaults();
        ClusterNode node = new ClusterNode(
                name,
                port,
                settings,
                ClusterNode.settings(name, namespace, settings, Duration.ofMinutes(5), Duration.ofMillis(1500), 1000));
        nodes.add(node);
        return node;
    }

    CuttableProxy proxy() throws Exception {
        CuttableProxy proxy = new CuttableProxy(redis.port());
        proxies.add(proxy);
        return proxy;
    }

    @Test
    void interruptsMadeOnBothSidesOfAPartitionStopEachOthersSessionsOnceItHeals() throws Exception {
        CuttableProxy toA = proxy();
        ClusterNode a = node("a", toA.port());
        ClusterNode b = node("b", redis.port());
        ClusterNode.awaitPeers(a, b);
        Session heldByB = b.manager.openSession("porch-speaker");

        toA.cut();
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.cluster.connected());
        // a interrupts the device b streams to, then a new turn starts on a, numbered by a alone ...
        a.manager.interrupt("porch-speaker", "barge_in_on_a").get(5, TimeUnit.SECONDS);
        Session newTurnOnA = a.manager.openSession("porch-speaker");
        // ... while b, still connected, takes a barge-in for the same device: it may carry the same number.
        InterruptResult onB =
                b.manager.interrupt("porch-speaker", "barge_in_on_b").get(10, TimeUnit.SECONDS);
        assertThat(heldByB.isInterrupted()).isTrue();
        assertThat(newTurnOnA.isInterrupted()).as("a cannot have heard b yet").isFalse();

        toA.restore();

        // b's barge-in happened while a's new turn existed: it must stop it, whatever the numbers say.
        await().atMost(Duration.ofSeconds(20)).until(newTurnOnA::isInterrupted);
        assertThat(newTurnOnA.interruptCause().orElseThrow().source()).isEqualTo("cluster:b");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.cluster.connected() && a.cluster.pendingReplays() == 0);
        // Afterwards both sides agree on the device's epoch, above both interrupts.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(a.manager.flagStatus("porch-speaker").epoch())
                                .isEqualTo(b.manager.flagStatus("porch-speaker").epoch())
                                .isGreaterThan(onB.epoch()));
    }

    @Test
    void aRedisThatStopsAnsweringDoesNotHoldUpALocalInterrupt() throws Exception {
        CuttableProxy toA = proxy();
        ClusterNode a = node("a", toA.port());
        ClusterNode b = node("b", redis.port());
        ClusterNode.awaitPeers(a, b);
        Session onA = a.manager.openSession("desk-speaker");
        Session onB = b.manager.openSession("desk-speaker");

        toA.blackhole();
        var pending = a.manager.interrupt("desk-speaker", "barge_in");

        // The local session stops within the announce bound (half a second here), not a command timeout
        // per interrupt; the result still comes back within the acknowledgement timeout.
        await().atMost(Duration.ofMillis(2000)).until(onA::isInterrupted);
        InterruptResult result = pending.get(5, TimeUnit.SECONDS);
        assertThat(result.unacknowledged()).containsExactly("b");
        assertThat(onB.isInterrupted()).isFalse();

        toA.restore();

        // The interrupt is announced once Redis answers again, and reaches b.
        await().atMost(Duration.ofSeconds(20)).until(onB::isInterrupted);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.cluster.connected() && a.cluster.pendingReplays() == 0);
    }

    @Test
    void aSessionOpenedWhileCutOffIsStoppedEvenByALowerNumberedInterruptFromTheOtherSide() throws Exception {
        CuttableProxy toA = proxy();
        ClusterNode a = node("a", toA.port());
        ClusterNode b = node("b", redis.port());
        ClusterNode.awaitPeers(a, b);

        toA.cut();
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.cluster.connected());
        for (int i = 0; i < 3; i++) { // a numbers three interrupts of its own: the device is at 3 here
            a.manager.interrupt("hall-speaker", "local_" + i).get(5, TimeUnit.SECONDS);
        }
        Session newTurnOnA = a.manager.openSession("hall-speaker");
        assertThat(newTurnOnA.epoch()).isEqualTo(3);
        // b's barge-in of the same device, after a's new turn began: the cluster numbers it 1.
        assertThat(b.manager
                        .interrupt("hall-speaker", "barge_in_on_b")
                        .get(10, TimeUnit.SECONDS)
                        .epoch())
                .isEqualTo(1);

        toA.restore();

        await().atMost(Duration.ofSeconds(20)).until(newTurnOnA::isInterrupted);
        assertThat(newTurnOnA.interruptCause().orElseThrow().source()).isEqualTo("cluster:b");
    }
}
