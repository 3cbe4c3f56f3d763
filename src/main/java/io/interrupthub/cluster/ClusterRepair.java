package io.interrupthub.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static io.interrupthub.cluster.ClusterScripts.millis;

/**
 * Brings the cluster's shared state back in line with what this instance holds after it could not reach
 * Redis: the interrupts it made meanwhile are re-announced (replayed), the epochs of its open devices
 * re-published, and its sessions of devices the cluster moved past meanwhile stopped.
 *
 * <p>After a failover the new primary may also lack writes the old one acknowledged (replication is
 * asynchronous). Each instance remembers its own recent announcements, so it can check which of them
 * the new primary has and replay the others; it re-publishes every epoch it knows and re-registers its
 * open sessions, as far as the cluster-wide cap allows.
 */
final class ClusterRepair {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRepair.class);
    /**
     * How far back an instance checks its announcements after a failover. A failover loses what the
     * replica had not received when the primary died, normally the last milliseconds; Sentinel does not
     * promote a replica that lost its primary much longer ago than this.
     */
    static final Duration RECENT = Duration.ofMinutes(1);

    private final StringRedisTemplate redis;
    private final InterruptManager manager;
    private final ClusterSettings settings;
    private final ClusterKeys keys;
    /** The newest interrupt per device that still has to be announced; bounded by max-pending. */
    private final ConcurrentHashMap<String, Replay> replays = new ConcurrentHashMap<>();
    /** This instance's newest announcement per device, for checking after a failover; bounded by max-pending. */
    private final ConcurrentHashMap<String, Announced> recent = new ConcurrentHashMap<>();

    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder replayed;
    private final LongAdder reconciled;
    private final LongAdder dropped;
    private final LongAdder repaired;

    ClusterRepair(
            StringRedisTemplate redis,
            InterruptManager manager,
            ClusterSettings settings,
            ClusterKeys keys,
            LongAdder replayed,
            LongAdder reconciled,
            LongAdder dropped,
            LongAdder repaired) {
        this.redis = redis;
        this.manager = manager;
        this.settings = settings;
        this.keys = keys;
        this.replayed = replayed;
        this.reconciled = reconciled;
        this.dropped = dropped;
        this.repaired = repaired;
    }

    /** An interrupt the cluster has not heard of: kept (the newest per device) to be announced later. */
    void remember(String hardwareId, long epoch, String reason) {
        remember(hardwareId, new Replay(epoch, reason, null));
    }

    private void remember(String hardwareId, Replay replay) {
        if (replays.size() < settings.maxPending() || replays.containsKey(hardwareId)) {
            replays.merge(hardwareId, replay, (old, now) -> now.epoch >= old.epoch ? now : old);
        } else {
            dropped.increment();
            LOG.error(
                    "interrupt of device {} during the Redis outage cannot be remembered for the cluster: {} devices already wait",
                    hardwareId,
                    replays.size());
        }
    }

    /** An announcement Redis accepted: remembered a while, in case the primary dies before a replica has it. */
    void announced(String hardwareId, long epoch, String entryId, String interruptId, String reason) {
        if (entryId == null) {
            return;
        }
        recent.put(hardwareId, new Announced(epoch, entryId, interruptId, reason, System.nanoTime()));
        if (recent.size() > settings.maxPending()) {
            forgetOldest();
        }
    }

    /** An interrupt remembered as {@code epoch} reached the cluster after all: it is not replayed. */
    void forget(String hardwareId, long epoch) {
        replays.computeIfPresent(hardwareId, (device, replay) -> replay.epoch == epoch ? null : replay);
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
        // A lost announcement keeps its id, so the acknowledgements its caller may still wait for match it.
        String id = replay.id != null ? replay.id : settings.instance() + "-replay-" + sequence.incrementAndGet();
        // Numbered above what the cluster has issued meanwhile, and the local turn it began fenced to that number.
        ScriptReplies.Announced answer = ScriptReplies.Announced.of(
                ClusterScripts.announce(
                        redis, keys, settings, hardwareId, replay.epoch - 1, replay.reason, "cluster-replay", id),
                hardwareId);
        long epoch = answer.epoch();
        manager.fence(hardwareId, replay.epoch, epoch);
        announced(hardwareId, epoch, answer.entryId(), id, replay.reason);
        replayed.increment();
    }

    /**
     * Publishes this instance's epochs (Redis may have restarted empty) and stops local sessions of
     * devices the cluster moved past while this instance could not hear it, in case the stream no
     * longer holds those signals.
     */
    void catchUp() {
        releaseEnded();
        Map<String, Long> local = manager.openDeviceEpochs();
        for (Map.Entry<String, Long> device : local.entrySet()) {
            String hardwareId = device.getKey();
            long cluster = ((Number) redis.execute(
                            ClusterScripts.RAISE,
                            List.of(keys.epoch(hardwareId)),
                            Long.toString(device.getValue()),
                            millis(settings.keyTtl())))
                    .longValue();
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

    /**
     * Runs when this instance finds a different primary than before (a failover, or a restart that may
     * have lost data): before anything else is announced, puts back what the new primary may lack of
     * this instance's writes. The stream reader is rewound by the caller.
     */
    void afterPrimaryChange() {
        // Epochs never go back: every epoch this instance knows is at least what the cluster issued.
        for (Map.Entry<String, Long> device : manager.deviceEpochs().entrySet()) {
            if (device.getValue() > 0) {
                redis.execute(
                        ClusterScripts.RAISE,
                        List.of(keys.epoch(device.getKey())),
                        Long.toString(device.getValue()),
                        millis(settings.keyTtl()));
            }
        }
        // Signals the new primary never received are announced again (with new epochs, above the old).
        long since = System.nanoTime() - RECENT.toNanos();
        for (Map.Entry<String, Announced> entry : recent.entrySet()) {
            Announced announced = entry.getValue();
            if (announced.atNanos - since > 0 && !inStream(announced)) {
                remember(entry.getKey(), new Replay(announced.epoch, announced.reason, announced.interruptId));
                repaired.increment();
            }
        }
        // Sessions whose admission it never received take their slot again, while the cap has room.
        for (SessionInfo session : manager.openSessions()) {
            long verdict = redis.execute(
                    ClusterScripts.REGISTER,
                    keys.sessionRecord(session.hardwareId(), session.sessionId()),
                    session.sessionId(),
                    millis(settings.sessionTimeout()),
                    Long.toString(session.epoch()),
                    session.hardwareId(),
                    settings.instance(),
                    Long.toString(session.createdAt().toEpochMilli()),
                    millis(settings.keyTtl()),
                    session.state().name(),
                    Integer.toString(settings.maxActiveSessions()));
            if (verdict == 2) {
                repaired.increment();
            } else if (verdict == 0) {
                // Other instances admitted sessions into the slot the new primary did not know was taken.
                LOG.warn(
                        "session {} of device {} ended: after the Redis failover the cluster-wide cap of {} sessions is full",
                        session.sessionId(),
                        session.hardwareId(),
                        settings.maxActiveSessions());
                endQuietly(session.sessionId());
            }
        }
    }

    /**
     * Frees the registry slots of this instance's sessions that ended, were interrupted or expired while
     * it could not write (those writes are dropped, not queued), so they do not hold the cluster-wide
     * cap until their session timeout.
     */
    private void releaseEnded() {
        List<String> registered = new ArrayList<>(redis.opsForZSet().range(keys.sessions(), 0, -1));
        List<Object> owners = redis.executePipelined((RedisCallback<Object>) connection -> {
            for (String id : registered) {
                connection
                        .hashCommands()
                        .hMGet(
                                keys.session(id).getBytes(StandardCharsets.UTF_8),
                                "instance".getBytes(StandardCharsets.UTF_8),
                                "hw".getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        for (int i = 0; i < registered.size(); i++) {
            String id = registered.get(i);
            List<?> owner = (List<?>) owners.get(i);
            if (owner == null || !settings.instance().equals(owner.get(0))) {
                continue;
            }
            SessionState state =
                    manager.session(id).map(session -> session.info().state()).orElse(SessionState.ENDED);
            if (!state.isOpen()) {
                String hardwareId = owner.get(1) == null ? "" : owner.get(1).toString();
                redis.execute(
                        ClusterScripts.RELEASE,
                        List.of(keys.sessions(), keys.deviceSessions(hardwareId), keys.session(id)),
                        id,
                        state.name(),
                        millis(settings.cleanupDelay()));
                repaired.increment();
            }
        }
    }

    private boolean inStream(Announced announced) {
        var entries = redis.opsForStream().range(keys.signals(), Range.closed(announced.entryId, announced.entryId));
        return entries != null
                && entries.stream()
                        .anyMatch(e -> announced.interruptId.equals(e.getValue().get("id")));
    }

    private void endQuietly(String sessionId) {
        try {
            manager.endSession(sessionId);
        } catch (InterruptHubException e) {
            // ended or interrupted meanwhile: the slot is free either way
        }
    }

    private void forgetOldest() {
        long cutoff = System.nanoTime() - RECENT.toNanos();
        recent.values().removeIf(a -> a.atNanos - cutoff < 0);
        while (recent.size() > settings.maxPending()) {
            recent.entrySet().stream()
                    .min(Comparator.comparingLong(e -> e.getValue().atNanos))
                    .ifPresent(oldest -> recent.remove(oldest.getKey(), oldest.getValue()));
        }
    }

    /** {@code id} is the lost announcement's, or null for an interrupt the cluster never heard of. */
    private record Replay(long epoch, String reason, String id) {}

    private record Announced(long epoch, String entryId, String interruptId, String reason, long atNanos) {}
}
