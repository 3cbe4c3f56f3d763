package io.interrupthub.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.interrupthub.core.InterruptManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static io.interrupthub.cluster.ClusterScripts.millis;

/**
 * Brings the cluster's shared state back in line with what this instance holds after it could not reach
 * Redis: the interrupts it made meanwhile are re-announced (replayed), the epochs of its open devices
 * re-published, and its sessions of devices the cluster moved past meanwhile stopped.
 */
final class ClusterRepair {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRepair.class);

    private final StringRedisTemplate redis;
    private final InterruptManager manager;
    private final ClusterSettings settings;
    private final ClusterKeys keys;
    /** The newest interrupt per device that still has to be announced; bounded by max-pending. */
    private final ConcurrentHashMap<String, Replay> replays = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder replayed;
    private final LongAdder reconciled;
    private final LongAdder dropped;

    ClusterRepair(StringRedisTemplate redis, InterruptManager manager, ClusterSettings settings, ClusterKeys keys,
                  LongAdder replayed, LongAdder reconciled, LongAdder dropped) {
        this.redis = redis;
        this.manager = manager;
        this.settings = settings;
        this.keys = keys;
        this.replayed = replayed;
        this.reconciled = reconciled;
        this.dropped = dropped;
    }

    /** An interrupt the cluster has not heard of: kept (the newest per device) to be announced later. */
    void remember(String hardwareId, long epoch, String reason) {
        if (replays.size() < settings.maxPending() || replays.containsKey(hardwareId)) {
            replays.merge(hardwareId, new Replay(epoch, reason), (old, now) -> now.epoch >= old.epoch ? now : old);
        } else {
            dropped.increment();
            LOG.error("interrupt of device {} during the Redis outage cannot be remembered for the cluster: {} devices already wait",
                    hardwareId, replays.size());
        }
    }

    int pending() {
        return replays.size();
    }

    /** Whether an interrupt of the device waits to be announced (the cluster's number for it is behind). */
    boolean pendingFor(String hardwareId) {
        return replays.containsKey(hardwareId);
    }

    /** Announces every remembered interrupt; one that fails stays remembered and the failure is thrown. */
    void drainReplays() {
        for (Map.Entry<String, Replay> entry : replays.entrySet()) {
            replay(entry.getKey(), entry.getValue());
            // A newer interrupt of the device that came meanwhile stays for the next round.
            replays.remove(entry.getKey(), entry.getValue());
        }
    }

    /** An interrupt of the outage, announced now with a cluster epoch above anything seen meanwhile. */
    private void replay(String hardwareId, Replay replay) {
        List<?> answer = ClusterScripts.announce(redis, keys, settings, hardwareId, replay.epoch, replay.reason,
                "cluster-replay", settings.instance() + "-replay-" + sequence.incrementAndGet());
        manager.raiseEpoch(hardwareId, ((Number) answer.get(0)).longValue());
        replayed.increment();
    }

    /**
     * Publishes this instance's epochs (Redis may have restarted empty) and stops local sessions of
     * devices the cluster moved past while this instance could not hear it, in case the stream no
     * longer holds those signals.
     */
    void catchUp() {
        Map<String, Long> local = manager.openDeviceEpochs();
        for (Map.Entry<String, Long> device : local.entrySet()) {
            String hardwareId = device.getKey();
            long cluster = ((Number) redis.execute(ClusterScripts.RAISE, List.of(keys.epoch(hardwareId)),
                    Long.toString(device.getValue()), millis(settings.keyTtl()))).longValue();
            if (cluster > device.getValue()) {
                // Not waited for: the sessions are marked at once, the modules run in the background.
                manager.applyRemote(hardwareId, cluster, "cluster_reconcile", "cluster-reconcile")
                        .thenAccept(result -> {
                            if (result.sessionsInterrupted() > 0) {
                                reconciled.increment();
                            }
                        });
            }
        }
    }

    private record Replay(long epoch, String reason) {
    }
}
