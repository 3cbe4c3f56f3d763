package io.interrupthub.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.interrupthub.core.InstanceOutcome;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Several instances sharing one real redis-server: interrupts, epochs and the cap across them. */
class ClusterPropagationTest {

    static final Duration ACK_TIMEOUT = Duration.ofMillis(1500);
    static RedisServer redis;

    final List<ClusterNode> nodes = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(ClusterNode::close);
    }

    static InterruptSettings settings(int maxActiveSessions) {
        return InterruptSettings.builder().maxActiveSessions(maxActiveSessions).build();
    }

    ClusterNode node(String name) {
        return node(name, settings(100));
    }

    ClusterNode node(String name, InterruptSettings settings) {
        ClusterNode node = new ClusterNode(
                name,
                redis.port(),
                settings,
                ClusterNode.settings(name, namespace, settings, Duration.ofMinutes(5), ACK_TIMEOUT, 1000));
        nodes.add(node);
        return node;
    }

    @Test
    void anInterruptSentToOneInstanceStopsASessionHeldByAnother() {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session held = b.manager.openSession("kitchen-speaker-7");
        CountDownLatch pushed = new CountDownLatch(1);
        held.onInterrupt(cause -> pushed.countDown());

        InterruptResult result =
                a.manager.interrupt("kitchen-speaker-7", "user_barge_in").join();

        assertThat(held.isInterrupted()).isTrue();
        assertThat(pushed.getCount()).as("the session's push callback fired").isZero();
        assertThat(result.success()).isTrue();
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(result.instances()).singleElement().satisfies(b1 -> {
            assertThat(b1.instance()).isEqualTo("b");
            assertThat(b1.acknowledged()).isTrue();
            assertThat(b1.sessionsInterrupted()).isEqualTo(1);
            assertThat(b1.modules()).extracting(m -> m.module()).contains("session_management");
        });
        assertThat(held.interruptCause()).get().satisfies(cause -> {
            assertThat(cause.epoch()).isEqualTo(result.epoch());
            assertThat(cause.source()).isEqualTo("cluster:a");
        });
    }

    @Test
    void modulesOfEveryInstanceAreCalledOnceForTheEpoch() {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode c = node("c");
        ClusterNode.awaitPeers(a, b, c);
        Map<String, List<Long>> calls = new ConcurrentHashMap<>();
        for (ClusterNode n : List.of(a, b, c)) {
            n.manager.register(Interruptible.of(
                    "tts",
                    ModuleAction.of(
                            ModuleAction.CLEAR_BUFFERS,
                            cause -> calls.computeIfAbsent(n.name, k -> new CopyOnWriteArrayList<>())
                                    .add(cause.epoch()))));
        }

        InterruptResult result = b.manager.interrupt("lamp-1", "barge_in").join();

        assertThat(calls).containsOnlyKeys("a", "b", "c");
        calls.values().forEach(epochs -> assertThat(epochs).containsExactly(result.epoch()));
        assertThat(result.instances()).extracting(InstanceOutcome::instance).containsExactlyInAnyOrder("a", "c");
        assertThat(result.unacknowledged()).isEmpty();
    }

    @Test
    void epochsStayConsistentWhenEveryInstanceInterruptsTheSameDeviceAtOnce() throws Exception {
        List<ClusterNode> all = List.of(node("a"), node("b"), node("c"));
        ClusterNode.awaitPeers(all.toArray(ClusterNode[]::new));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        Map<Long, Set<String>> issuers = new ConcurrentHashMap<>();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                ClusterNode n = all.get(t % 3);
                running.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        if (i % 5 == 0) {
                            n.manager.openSession("shared-device"); // a new turn, so interrupts do not all coalesce
                        }
                        InterruptResult result =
                                n.manager.interrupt("shared-device", "race").join();
                        // A call that joined a fan-out already running gets that fan-out's result, which
                        // may be another instance's interrupt applied here: its source names the issuer.
                        String issuer =
                                result.source() != null && result.source().startsWith("cluster:")
                                        ? result.source().substring("cluster:".length())
                                        : n.name;
                        issuers.computeIfAbsent(result.epoch(), e -> ConcurrentHashMap.newKeySet())
                                .add(issuer);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long clusterEpoch = Long.parseLong(all.get(0).redis.opsForValue().get(namespace + ":epoch:shared-device"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (ClusterNode n : all) {
                assertThat(n.manager.flagStatus("shared-device").epoch())
                        .as(n.name)
                        .isEqualTo(clusterEpoch);
            }
        });
        // An epoch is issued once, by one instance: no two instances ever number different interrupts alike.
        issuers.forEach(
                (epoch, who) -> assertThat(who).as("issuers of epoch %d", epoch).hasSize(1));
        assertThat(issuers.keySet()).allMatch(e -> e <= clusterEpoch);
        // Every session of an older epoch, on every instance, was reached ...
        for (ClusterNode n : all) {
            assertThat(n.manager.sessions("shared-device", 1000))
                    .filteredOn(s -> n.manager.session(s.sessionId()).isPresent()) // held here
                    .filteredOn(s -> s.epoch() < clusterEpoch)
                    .allMatch(s -> s.state() != io.interrupthub.core.SessionState.ACTIVE);
        }
        // ... and the cluster's registry, written behind the sessions' changes, shows none of them open.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(all.get(0).manager.sessions("shared-device", 1000))
                        .filteredOn(s -> s.epoch() < clusterEpoch)
                        .allMatch(s -> s.state() != io.interrupthub.core.SessionState.ACTIVE));
    }

    @Test
    void theSessionCapHoldsAcrossInstancesUnderConcurrentOpens() throws Exception {
        int cap = 25;
        List<ClusterNode> all = List.of(node("a", settings(cap)), node("b", settings(cap)), node("c", settings(cap)));
        ClusterNode.awaitPeers(all.toArray(ClusterNode[]::new));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int t = 0; t < 12; t++) {
                ClusterNode n = all.get(t % 3);
                int thread = t;
                running.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 10; i++) {
                        try {
                            n.manager.openSession("device-" + thread + "-" + i);
                            opened.incrementAndGet();
                        } catch (InterruptHubException e) {
                            assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED);
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(opened.get()).isEqualTo(cap);
        assertThat(refused.get()).isEqualTo(120 - cap);
        assertThat(all.stream().mapToInt(n -> n.manager.activeSessions()).sum()).isEqualTo(cap);
        assertThat(all.get(0).redis.opsForZSet().zCard(namespace + ":sessions")).isEqualTo(cap);

        // Ending one anywhere frees a slot everywhere.
        ClusterNode holder = all.stream()
                .filter(n -> n.manager.activeSessions() > 0)
                .findFirst()
                .orElseThrow();
        SessionInfo some = holder.manager.sessions(null, 1000).stream()
                .filter(s -> holder.manager.session(s.sessionId()).isPresent())
                .findFirst()
                .orElseThrow();
        holder.manager.endSession(some.sessionId());
        ClusterNode other = all.stream().filter(n -> n != holder).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(other.manager.openSession("freed-slot").hardwareId())
                                .isEqualTo("freed-slot"));
        assertThatThrownBy(() -> other.manager.openSession("one-too-many"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED));
    }

    @Test
    void sessionsListedOnAnyInstanceIncludeThoseOtherInstancesHold() {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session onA = a.manager.openSession("speaker-a");
        Session onB = b.manager.openSession("speaker-b");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(a.manager.sessions(null, 100))
                    .extracting(SessionInfo::sessionId)
                    .contains(onA.sessionId(), onB.sessionId());
            assertThat(a.manager.sessions("speaker-b", 100)).singleElement().satisfies(s -> {
                assertThat(s.sessionId()).isEqualTo(onB.sessionId());
                assertThat(s.state()).isEqualTo(io.interrupthub.core.SessionState.ACTIVE);
            });
        });
    }

    @Test
    void anInstanceKilledMidInterruptIsNamedAsNotAcknowledged() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode c = node("c");
        ClusterNode.awaitPeers(a, b, c);
        CountDownLatch cStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        c.manager.register(Interruptible.of("slow_tts", ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> {
            cStarted.countDown();
            release.await();
        })));
        b.manager.openSession("hall-speaker");

        var pending = a.manager.interrupt("hall-speaker", "barge_in");
        assertThat(cStarted.await(10, TimeUnit.SECONDS))
                .as("c started its part")
                .isTrue();
        c.kill();
        release.countDown();
        InterruptResult result = pending.get(ACK_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);

        assertThat(result.unacknowledged()).containsExactly("c");
        assertThat(result.success())
                .as("an instance that may still be streaming makes it a failure")
                .isFalse();
        assertThat(result.instances())
                .filteredOn(InstanceOutcome::acknowledged)
                .singleElement()
                .satisfies(b1 -> {
                    assertThat(b1.instance()).isEqualTo("b");
                    assertThat(b1.sessionsInterrupted()).isEqualTo(1);
                });
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(a.cluster.acksMissing.sum()).isEqualTo(1);
    }

    @Test
    void anInstanceShuttingDownStopsOnlyItsOwnSessions() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session onA = a.manager.openSession("shared-speaker");
        Session onB = b.manager.openSession("shared-speaker");

        List<InterruptResult> stopped = a.manager.interruptAll("shutdown").get(10, TimeUnit.SECONDS);

        assertThat(onA.isInterrupted()).isTrue();
        assertThat(stopped)
                .singleElement()
                .satisfies(r -> assertThat(r.instances()).isEmpty());
        // b's session is not a's to stop: a cluster interrupt would have reached it by now.
        b.manager.interrupt("other-device", "flush").join();
        assertThat(onB.isInterrupted()).isFalse();
        // The next cluster interrupt of the device is still numbered above both instances' epochs.
        InterruptResult next = b.manager.interrupt("shared-speaker", "barge_in").join();
        assertThat(next.epoch())
                .isGreaterThan(onA.interruptCause().orElseThrow().epoch());
        assertThat(onB.isInterrupted()).isTrue();
    }

    @Test
    void aSessionIdOpenOnOneInstanceIsADuplicateOnAnother() {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session first = a.manager.openSession("speaker-1", "turn-42", null);

        assertThatThrownBy(() -> b.manager.openSession("speaker-2", "turn-42", null))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));

        // The refusal did not touch the record of the session that has the id.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(b.manager.sessions("speaker-1", 10))
                        .extracting(SessionInfo::sessionId)
                        .containsExactly(first.sessionId()));
        assertThat(b.manager.activeSessions()).isZero();
    }

    @Test
    void aLateOpenEventDoesNotBringBackASessionAlreadyInterrupted() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        ClusterNode.awaitPeers(a, b);
        Session session = a.manager.openSession("kiosk-1");
        SessionInfo asOpened = session.info();
        a.manager.interrupt("kiosk-1", "barge_in").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.redis.opsForZSet().zCard(namespace + ":sessions") == 0);

        // The open event written after the interrupt's, as two threads may do.
        a.cluster.sessionChanged(asOpened);
        a.cluster.heartbeat(asOpened);

        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(a.redis.opsForZSet().zCard(namespace + ":sessions"))
                    .as("cluster slots taken")
                    .isZero();
            assertThat(b.manager.sessions("kiosk-1", 10))
                    .noneMatch(s -> s.state() == io.interrupthub.core.SessionState.ACTIVE);
        });
    }

    @Test
    void anInstanceWithInterruptsSwitchedOffChangesNothingAndSaysSo() {
        ClusterNode a = node("a");
        ClusterNode off = node("off", settings(100).toBuilder().enabled(false).build());
        ClusterNode.awaitPeers(a, off);

        InterruptResult result =
                a.manager.interrupt("garage-speaker", "barge_in").join();

        assertThat(result.instances()).singleElement().satisfies(o -> {
            assertThat(o.instance()).isEqualTo("off");
            assertThat(o.acknowledged()).isTrue();
            assertThat(o.success()).isFalse();
        });
        assertThat(result.success()).isFalse();
        assertThat(off.manager.shouldInterrupt("garage-speaker")).isFalse();
        assertThat(off.manager.trackedDevices()).isZero();
    }
}
