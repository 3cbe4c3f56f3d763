package io.interrupthub.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.Session;
import io.lettuce.core.KillArgs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Cluster mode on Redis with Sentinel: the primary dies, the sentinels promote the replica, and the
 * instances must come out of it agreeing, with every interrupt delivered, even one whose write only the
 * dead primary had.
 */
class ClusterFailoverTest {

    /** The longest a local interrupt may take while Redis fails over: the announce bound and a margin for load. */
    static final Duration LOCAL_BOUND = ClusterNode.COMMAND_TIMEOUT.plusSeconds(1);

    static final Duration FAILOVER = Duration.ofSeconds(30);

    /**
     * An acknowledgement timeout longer than a failover takes even under load (3-10 s), as
     * the default (INTERRUPT_TIMEOUT + 1 s) is longer than one on an idle machine, so an interrupt announced
     * just before the primary's death can still be acknowledged after it.
     */
    static final Duration LONG_ACK_TIMEOUT = Duration.ofSeconds(20);

    final SentinelRedis redis = SentinelRedis.start();
    final List<ClusterNode> nodes = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();

    ClusterFailoverTest() throws Exception {}

    @AfterEach
    void close() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    ClusterNode node(String name, int maxActiveSessions) {
        return node(name, maxActiveSessions, Duration.ofMillis(1500));
    }

    ClusterNode node(String name, int maxActiveSessions, Duration ackTimeout) {
        // Flags live 2 min, so the test can still compare every device's flag once the failover is repaired.
        InterruptSettings settings = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofMinutes(2))
                .cleanupDelay(Duration.ofSeconds(2))
                .maxActiveSessions(maxActiveSessions)
                .sessionTimeout(Duration.ofMinutes(5))
                .historySize(1000)
                .maxDevices(100_000)
                .maxCallbacksPerSession(64)
                .sweepInterval(Duration.ofMillis(250))
                .moduleThreads(16)
                .moduleQueueCapacity(1024)
                .build();
        ClusterNode node = new ClusterNode(
                name,
                redis.configuration(),
                settings,
                ClusterNode.settings(name, namespace, settings, Duration.ofMinutes(5), ackTimeout, 1000));
        nodes.add(node);
        return node;
    }

    @Test
    void interruptsMadeBeforeDuringAndAfterAFailoverReachTheOtherInstanceAndTheOldPrimaryRejoinsAsAReplica()
            throws Exception {
        ClusterNode a = node("a", 10_000, LONG_ACK_TIMEOUT);
        ClusterNode b = node("b", 10_000, LONG_ACK_TIMEOUT);
        ClusterNode.awaitPeers(a, b);
        Session bystanderOnA = a.manager.openSession("bystander-a");
        Session bystanderOnB = b.manager.openSession("bystander-b");
        Traffic traffic = new Traffic(a, b);
        await().atMost(Duration.ofSeconds(20)).until(() -> traffic.made() >= 10);

        long killedAt = System.nanoTime();
        redis.primary.kill();
        redis.awaitPromotion(FAILOVER);
        long promotedAt = System.nanoTime();
        await().atMost(FAILOVER).until(() -> a.cluster.connected() && b.cluster.connected());
        long reconnectedAt = System.nanoTime();
        int beforeReconnect = traffic.made();
        await().atMost(Duration.ofSeconds(20)).until(() -> traffic.made() >= beforeReconnect + 10);
        traffic.stop();

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(traffic.notReached())
                        .as("interrupts whose session on the other instance is still active")
                        .isEmpty());
        assertThat(traffic.slowest())
                .as("the longest a local interrupt call took")
                .isLessThan(LOCAL_BOUND);
        // An interrupt whose announcement Redis confirmed waits for the other instance's acknowledgement and
        // gets it, even when the primary died before the acknowledgement was read or replicated (it is
        // written again after the failover) or before the signal was replicated (the origin replays it
        // under the same id). Only one whose announcement was never confirmed (made as the primary died, or
        // during the failover) is answered at once with the other instance unacknowledged, then replayed.
        for (Traffic.Interrupt made : traffic.all()) {
            InterruptResult result = made.result();
            if (!result.unacknowledged().isEmpty()) {
                assertThat(made.startedAt)
                        .as(
                                "%s was made after both instances had reconnected, yet not acknowledged: %s",
                                made.device, result)
                        .isLessThan(reconnectedAt);
                assertThat(result.durationMs())
                        .as("%s waited out its acknowledgement deadline: %s", made.device, result)
                        .isLessThan((double) LONG_ACK_TIMEOUT.toMillis());
            }
        }
        // Epochs agree, never went back, and every instance's flag says so.
        for (Traffic.Interrupt made : traffic.all()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                long cluster = clusterEpoch(made.device);
                assertThat(made.origin.manager.flagStatus(made.device).epoch()).isEqualTo(cluster);
                assertThat(made.other.manager.flagStatus(made.device).epoch()).isEqualTo(cluster);
                assertThat(cluster).isGreaterThanOrEqualTo(made.result().epoch());
            });
            assertThat(made.origin.manager.shouldInterrupt(made.device)).isTrue();
            assertThat(made.other.manager.shouldInterrupt(made.device)).isTrue();
        }
        // The new primary's registry holds exactly the sessions still open.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(registry())
                        .as(registryRecords())
                        .containsExactlyInAnyOrder(bystanderOnA.sessionId(), bystanderOnB.sessionId()));
        traffic.report(killedAt, promotedAt, reconnectedAt, a, b);

        // The old primary comes back: the sentinels make it a replica of the new one, and nothing changes.
        redis.primary.restart();
        await().atMost(FAILOVER)
                .ignoreExceptions()
                .until(() -> redis.replicatesFrom(redis.primary.port(), redis.replica.port()));
        Session held = a.manager.openSession("after-rejoin");
        InterruptResult after = b.manager.interrupt("after-rejoin", "barge_in").get(10, TimeUnit.SECONDS);
        assertThat(after.unacknowledged()).isEmpty();
        assertThat(held.isInterrupted()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String onOldPrimary = redis.server(redis.primary.port(), c -> c.get(namespace + ":epoch:after-rejoin"));
            assertThat(onOldPrimary).isEqualTo(Long.toString(after.epoch()));
        });
    }

    @Test
    void anInterruptAndASessionOnlyTheDeadPrimaryHadAreRepairedFromTheInstanceThatMadeThem() throws Exception {
        ClusterNode a = node("a", 3, LONG_ACK_TIMEOUT);
        ClusterNode b = node("b", 3, LONG_ACK_TIMEOUT);
        ClusterNode.awaitPeers(a, b);
        Session heldByB = b.manager.openSession("kitchen");
        Session hall = b.manager.openSession("hall");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.server(redis.replica.port(), c -> c.zcard(namespace + ":sessions")) == 2);

        // From here on the replica and b hear nothing from the primary: what a writes now, only the primary has.
        redis.primaryAddress.silence(
                redis.primaryClientPorts(line -> line.contains(" flags=S ") || line.contains(" name=b ")));
        Session onA = a.manager.openSession("porch"); // the third slot of three
        long sent = a.cluster.signalsSent.sum();
        InterruptFuture interrupt = a.manager.interrupt("kitchen", "barge_in_before_the_primary_dies");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.cluster.signalsSent.sum() > sent);
        redis.primary.kill();
        redis.awaitPromotion(FAILOVER);

        // b could not hear it before the failover; a replays it under the same id after, and b's answer to
        // the replay completes the interrupt's result, which still waited for it. (b's session may already
        // have been stopped by its own reconciliation with the epoch a re-published, so the count may be 0.)
        InterruptResult result = interrupt.get(LONG_ACK_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        assertThat(result.unacknowledged()).isEmpty();
        assertThat(result.instances()).singleElement().satisfies(outcome -> {
            assertThat(outcome.instance()).isEqualTo("b");
            assertThat(outcome.acknowledged()).isTrue();
        });
        await().atMost(Duration.ofSeconds(10)).until(heldByB::isInterrupted);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long cluster = clusterEpoch("kitchen");
            assertThat(cluster).isGreaterThanOrEqualTo(result.epoch());
            assertThat(a.manager.flagStatus("kitchen").epoch()).isEqualTo(cluster);
            assertThat(b.manager.flagStatus("kitchen").epoch()).isEqualTo(cluster);
        });
        assertThat(a.cluster.repaired.sum())
                .as("the lost signal and the lost session")
                .isGreaterThanOrEqualTo(2);
        assertThat(a.cluster.failovers.sum()).isEqualTo(1);
        // a's session counts against the cap again: two slots taken (hall, porch), one left.
        await().atMost(FAILOVER).untilAsserted(() -> {
            assertThat(b.cluster.connected()).isTrue();
            assertThat(registry()).as(registryRecords()).containsExactlyInAnyOrder(hall.sessionId(), onA.sessionId());
        });
        b.manager.openSession("garage");
        assertThatThrownBy(() -> b.manager.openSession("attic")).isInstanceOf(InterruptHubException.class);
        assertThat(registry()).hasSize(3);
    }

    @Test
    void anAcknowledgementOnlyTheDeadPrimaryHadIsWrittenAgainAfterTheFailover() throws Exception {
        ClusterNode a = node("a", 10, LONG_ACK_TIMEOUT);
        ClusterNode b = node("b", 10, LONG_ACK_TIMEOUT);
        ClusterNode.awaitPeers(a, b);
        CountDownLatch bStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        b.manager.register(Interruptible.of("slow_tts", ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> {
            bStarted.countDown();
            release.await();
        })));
        Session heldByB = b.manager.openSession("kitchen");
        InterruptFuture interrupt = a.manager.interrupt("kitchen", "barge_in");
        assertThat(bStarted.await(10, TimeUnit.SECONDS))
                .as("b applies the signal")
                .isTrue();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.server(redis.replica.port(), c -> c.xlen(namespace + ":signals")) == 1);

        // From here on the replica and a hear nothing from the primary: b's acknowledgement reaches it alone.
        redis.primaryAddress.silence(
                redis.primaryClientPorts(line -> line.contains(" flags=S ") || line.contains(" name=a ")));
        release.countDown();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.server(redis.primary.port(), c -> c.xlen(namespace + ":acks:a")) == 1);
        redis.primary.kill();
        redis.awaitPromotion(FAILOVER);

        InterruptResult result = interrupt.get(LONG_ACK_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        assertThat(result.unacknowledged())
                .as("b's acknowledgement, lost with the old primary, written again after the failover")
                .isEmpty();
        assertThat(result.instances()).singleElement().satisfies(outcome -> {
            assertThat(outcome.instance()).isEqualTo("b");
            assertThat(outcome.sessionsInterrupted()).isEqualTo(1);
        });
        assertThat(heldByB.isInterrupted()).isTrue();
        assertThat(a.cluster.replayed.sum())
                .as("the signal reached the new primary: nothing to replay")
                .isZero();
    }

    @Test
    void withOneSentinelLeftTheInstancesStillFindThePrimaryAndItsLossIsAnOutageTheyRecoverFrom() throws Exception {
        ClusterNode a = node("a", 10_000);
        ClusterNode b = node("b", 10_000);
        ClusterNode.awaitPeers(a, b);
        redis.killSentinel(0);
        redis.killSentinel(1);

        // Every client connection drops: the instances must reach the primary again with one sentinel left. (Lettuce
        // may reconnect before any command fails, so whether an outage is counted depends on timing: not asserted.)
        redis.server(redis.primary.port(), c -> c.clientKill(KillArgs.Builder.typeNormal()));
        ClusterNode.awaitPeers(a, b);
        Session den = b.manager.openSession("den");
        assertThat(a.manager
                        .interrupt("den", "barge_in")
                        .get(10, TimeUnit.SECONDS)
                        .unacknowledged())
                .isEmpty();
        // Awaited, not read at once: under load b's heartbeats may lapse while it reconnects, and a then
        // expects no acknowledgement from it (the result is complete at once); the signal reaches b anyway.
        await().atMost(Duration.ofSeconds(10)).until(den::isInterrupted);

        // One sentinel cannot fail over alone: losing the primary is an outage, local interrupts go on.
        Session study = b.manager.openSession("study");
        redis.primary.kill();
        long started = System.nanoTime();
        InterruptFuture duringOutage = a.manager.interrupt("study", "barge_in_during_outage");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LOCAL_BOUND);
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.cluster.connected() && !b.cluster.connected());
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> "slave".equals(redis.role(redis.replica.port())));
        assertThat(duringOutage.get(10, TimeUnit.SECONDS).unacknowledged()).containsExactly("b");

        // It comes back empty (no persistence): the instances repair what it lost and deliver the interrupt.
        redis.primary.restart();
        await().atMost(FAILOVER).until(study::isInterrupted);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long cluster = clusterEpoch("study");
            assertThat(a.manager.flagStatus("study").epoch()).isEqualTo(cluster);
            assertThat(b.manager.flagStatus("study").epoch()).isEqualTo(cluster);
            assertThat(clusterEpoch("den"))
                    .isGreaterThanOrEqualTo(a.manager.flagStatus("den").epoch());
        });
    }

    private long clusterEpoch(String device) {
        String value = redis.server(redis.primaryPort(), c -> c.get(namespace + ":epoch:" + device));
        return value == null ? 0 : Long.parseLong(value);
    }

    /** The registry's session records, for a failure message. */
    private String registryRecords() {
        return redis.server(redis.primaryPort(), c -> {
            StringBuilder records = new StringBuilder();
            for (String id : c.zrange(namespace + ":sessions", 0, -1)) {
                records.append(id)
                        .append('=')
                        .append(c.hgetall(namespace + ":session:" + id))
                        .append('\n');
            }
            return records.toString();
        });
    }

    private Set<String> registry() {
        return new HashSet<>(redis.server(redis.primaryPort(), c -> c.zrange(namespace + ":sessions", 0, -1)));
    }

    /**
     * Two instances interrupting each other's devices every 40 ms: each interrupt is of a fresh device
     * whose session the other instance holds, and that the origin holds too.
     */
    static final class Traffic {

        final class Interrupt {
            final ClusterNode origin;
            final ClusterNode other;
            final String device;
            final Session remote;
            final Session local;
            final long startedAt = System.nanoTime();
            InterruptFuture future;
            long callNanos;

            Interrupt(ClusterNode origin, ClusterNode other, String device) {
                this.origin = origin;
                this.other = other;
                this.device = device;
                this.remote = other.manager.openSession(device);
                this.local = origin.manager.openSession(device);
            }

            InterruptResult result() throws Exception {
                return future.get(LONG_ACK_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
            }
        }

        private final ConcurrentLinkedQueue<Interrupt> made = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> localMisses = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicInteger sequence = new AtomicInteger();
        private final ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();

        Traffic(ClusterNode a, ClusterNode b) {
            pace.scheduleAtFixedRate(
                    () -> {
                        try {
                            next(a, b);
                        } catch (RuntimeException e) {
                            failures.add(e.toString()); // a failed run would otherwise silently end the schedule
                        }
                    },
                    0,
                    40,
                    TimeUnit.MILLISECONDS);
        }

        private void next(ClusterNode a, ClusterNode b) {
            int n = sequence.incrementAndGet();
            boolean fromA = n % 2 == 0;
            Interrupt interrupt = new Interrupt(fromA ? a : b, fromA ? b : a, "traffic-" + n);
            long started = System.nanoTime();
            interrupt.future = interrupt.origin.manager.interrupt(interrupt.device, "barge_in");
            interrupt.callNanos = System.nanoTime() - started;
            if (!interrupt.local.isInterrupted()) {
                localMisses.add(interrupt.device);
            }
            made.add(interrupt);
        }

        int made() {
            return made.size();
        }

        void stop() throws InterruptedException {
            pace.shutdown();
            assertThat(pace.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).as("traffic that failed").isEmpty();
            assertThat(localMisses)
                    .as("local sessions not interrupted when their interrupt call returned")
                    .isEmpty();
        }

        List<Interrupt> all() {
            return List.copyOf(made);
        }

        List<String> notReached() {
            return made.stream()
                    .filter(i -> !i.remote.isInterrupted())
                    .map(i -> i.device)
                    .toList();
        }

        Duration slowest() {
            return Duration.ofNanos(
                    made.stream().mapToLong(i -> i.callNanos).max().orElse(0));
        }

        /**
         * The figures docs/BENCHMARKS.md quotes: the interrupts made before, during and after the failover
         * and how many of each were acknowledged, when interrupts were acknowledged cluster-wide again, and
         * how many interrupts needed a replay.
         */
        void report(long killedAt, long promotedAt, long reconnectedAt, ClusterNode a, ClusterNode b) throws Exception {
            long firstAcknowledged = Long.MAX_VALUE;
            int[] count = new int[3];
            int[] acknowledged = new int[3];
            for (Interrupt interrupt : made) {
                InterruptResult result = interrupt.result();
                int phase = interrupt.startedAt < killedAt ? 0 : interrupt.startedAt < reconnectedAt ? 1 : 2;
                count[phase]++;
                // Acknowledged by the other instance itself, not vacuously (an origin that saw no peers).
                if (!result.instances().isEmpty() && result.unacknowledged().isEmpty()) {
                    acknowledged[phase]++;
                    if (interrupt.startedAt > killedAt) {
                        firstAcknowledged = Math.min(
                                firstAcknowledged,
                                interrupt.startedAt + (long) (result.durationMs() * 1_000_000) - killedAt);
                    }
                }
            }
            System.out.printf(
                    "failover: %d interrupts; before the death %d (%d acknowledged), during %d (%d acknowledged),"
                            + " after %d (%d acknowledged); %d replayed, %d lost writes repaired; connected again"
                            + " %d ms and first acknowledged again %d ms after the primary's death; the sentinels"
                            + " promoted the replica after %d ms (connected again / promoted = %.2f)%n",
                    made.size(),
                    count[0],
                    acknowledged[0],
                    count[1],
                    acknowledged[1],
                    count[2],
                    acknowledged[2],
                    a.cluster.replayed.sum() + b.cluster.replayed.sum(),
                    a.cluster.repaired.sum() + b.cluster.repaired.sum(),
                    (reconnectedAt - killedAt) / 1_000_000,
                    firstAcknowledged / 1_000_000,
                    (promotedAt - killedAt) / 1_000_000,
                    (double) (reconnectedAt - killedAt) / (promotedAt - killedAt));
        }
    }
}
