package io.interrupthub.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Pause;
import io.interrupthub.core.PauseOutcome;
import io.interrupthub.core.PauseResult;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Tentative interrupts while Redis is gone: decided on the instance alone, at once, as in one process. */
class ClusterPauseOutageTest {

    final RedisServer redis = RedisServer.start();
    final List<ClusterNode> nodes = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();

    @AfterEach
    void close() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    ClusterNode node(String name) {
        InterruptSettings settings =
                InterruptSettings.builder().resumeWindow(Duration.ofMinutes(1)).build();
        ClusterNode node = new ClusterNode(
                name,
                redis.port(),
                settings,
                ClusterNode.settings(name, namespace, settings, Duration.ofMinutes(5), Duration.ofMillis(1500), 1000));
        nodes.add(node);
        return node;
    }

    @Test
    void withoutRedisAPauseAndItsResumeAreThisInstancesAloneAndNeverWait() {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session onA = a.manager.openSession("porch");
        Session onB = b.manager.openSession("porch");
        redis.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.cluster.connected());

        long started = System.nanoTime();
        PauseResult paused = a.manager.pause("porch", "vad", null);
        Pause resumed = a.manager.resume("porch");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(paused.alreadyPaused()).isFalse();
        assertThat(resumed.outcome()).isEqualTo(PauseOutcome.RESUMED);
        assertThat(onA.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(onB.state()).as("b could not be told").isEqualTo(SessionState.ACTIVE);
        assertThat(a.manager.tentativeOutcomes(PauseOutcome.RESUMED)).isEqualTo(1);
        assertThat(took).as("no Redis command was waited for").isLessThan(ClusterNode.COMMAND_TIMEOUT);

        // Once Redis is back, pauses are shared again.
        redis.restart();
        ClusterNode.awaitPeers(a, b);
        a.manager.pause("porch", "vad", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SessionState.PAUSED);
        b.manager.resume("porch");
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SessionState.ACTIVE);
        assertThat(b.manager.tentativeOutcomes(PauseOutcome.RESUMED)).isEqualTo(1);
    }
}
