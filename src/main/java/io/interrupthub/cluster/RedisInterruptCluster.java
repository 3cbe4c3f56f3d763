package io.interrupthub.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.interrupthub.autoconfigure.DaemonThreads;
import io.interrupthub.core.ClusterLink;
import io.interrupthub.core.InstanceOutcome;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.PauseOutcome;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import static io.interrupthub.cluster.ClusterScripts.millis;

/**
 * One instance's part in a cluster of Interrupt Hubs that share a Redis.
 *
 * <p>Signals travel through a Redis Stream that every instance reads from its own position, so an
 * instance that loses its connection for a moment reads what it missed when it comes back, in order;
 * epochs make a signal seen twice harmless. Acknowledgements come back on a stream of the origin's
 * own. Epochs, flags, live instances and the session registry are Redis keys changed only by Lua
 * scripts, atomically, and every key expires.
 *
 * <p>When Redis cannot be reached the instance is degraded, not down: interrupts are applied locally at
 * once and remembered (the newest per device); on reconnect they are re-announced with fresh cluster
 * epochs, the instance's own epochs are re-published, and devices the cluster moved past meanwhile are
 * interrupted here. Nothing here ever blocks a local interrupt for longer than one Redis command timeout.
 *
 * <p>Tentative interrupts: a pause is a Redis hash per device ({@code …:pause:<id>}) written by the script that
 * opens it and announces it on the stream. Its one decision is taken by whichever script records an outcome in
 * it first: a resume's or an expiry's ({@code DECIDE}, which announces the decision) or an interrupt's
 * {@code ANNOUNCE} (confirmed, carried by the interrupt's own signal). The others apply the decision they read.
 * Without Redis a pause, its resume and its expiry are this instance's alone, as in one process.
 */
public final class RedisInterruptCluster implements ClusterLink, InterruptListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisInterruptCluster.class);
    private static final int ANNOUNCERS = 4;
    /**
     * How long an ended session's record says so, against a late write of its open event (at most the
     * session timeout, after which the record would have expired anyway).
     */
    private static final Duration TOMBSTONE = Duration.ofSeconds(30);
    /** The longest a local interrupt waits for its announcement before going on and replaying it later. */
    private static final Duration MAX_ANNOUNCE_WAIT = Duration.ofMillis(500);

    private final StringRedisTemplate redis;
    private final RedisConnectionFactory connections;
    private final InterruptManager manager;
    private final ClusterSettings settings;
    private final ClusterKeys keys;
    private final Duration readBlock;
    private final Duration announceBound;

    /** Acknowledgement deadlines only: nothing here ever waits on Redis. */
    private final ScheduledExecutorService timers;
    /** Heartbeats, which do wait on Redis, apart from the deadlines. */
    private final ScheduledExecutorService beats;
    /** Announcements, so a Redis that stops answering holds a local interrupt for the announce bound only. */
    private final ThreadPoolExecutor announcer;
    /** Told apart from an earlier run of the same instance name, so its late acknowledgements match nothing. */
    private final String runToken = Long.toHexString(Double.doubleToLongBits(Math.random()) ^ System.nanoTime());
    /** Registry updates and acknowledgements, in order, off the callers' threads; bounded. */
    private final ThreadPoolExecutor writer;

    private final Thread reader;

    private final Acknowledgements acks;
    private final SignalStream stream;
    private final ClusterRepair repair;
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean connected;
    /**
     * Registry writes and acknowledgements go out: while connected, and already while catching up, since
     * the catching up itself interrupts sessions whose release must reach the registry.
     */
    private volatile boolean writable;

    private volatile boolean running = true;
    private volatile Instant downSince = Instant.now();
    private volatile String lastError = "not connected yet";
    private volatile List<String> peers = List.of();
    /** Acknowledgements the outage held back, to be written on reconnect; bounded by max-pending. */
    private final ArrayDeque<AckWrite> unsentAcks = new ArrayDeque<>();
    /** Acknowledgements written within their origins' deadlines, in case a failover loses them; bounded by max-pending. */
    private final ArrayDeque<AckWrite> sentAcks = new ArrayDeque<>();

    final LongAdder outages = new LongAdder();
    final LongAdder signalsSent = new LongAdder();
    final LongAdder signalsApplied = new LongAdder();
    final LongAdder acksMissing = new LongAdder();
    final LongAdder replayed = new LongAdder();
    final LongAdder reconciled = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder failovers = new LongAdder();
    final LongAdder repaired = new LongAdder();
    /** The run id of the Redis primary this instance last caught up with; another one means a failover. */
    private String primary;

    public RedisInterruptCluster(
            StringRedisTemplate redis,
            RedisConnectionFactory connections,
            InterruptManager manager,
            ClusterSettings settings,
            JsonMapper json,
            Duration commandTimeout) {
        this.redis = redis;
        this.connections = connections;
        this.manager = manager;
        this.settings = settings;
        this.keys = new ClusterKeys(settings.namespace());
        // An XREAD must come back before the client's own command timeout gives up on it.
        this.readBlock = commandTimeout.dividedBy(2);
        this.announceBound = commandTimeout.compareTo(MAX_ANNOUNCE_WAIT) < 0 ? commandTimeout : MAX_ANNOUNCE_WAIT;
        this.timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("interrupt-cluster-timer-"));
        this.beats = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("interrupt-cluster-heartbeat-"));
        this.announcer = new ThreadPoolExecutor(
                ANNOUNCERS,
                ANNOUNCERS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.maxPending()),
                DaemonThreads.named("interrupt-cluster-announce-"));
        this.announcer.allowCoreThreadTimeOut(true);
        this.writer = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.maxPending()),
                DaemonThreads.named("interrupt-cluster-writer-"));
        this.reader = DaemonThreads.named("interrupt-cluster-reader-").newThread(this::readLoop);
        this.acks = new Acknowledgements(settings, json, timers, acksMissing);
        this.stream = new SignalStream(redis, keys, settings.instance(), readBlock);
        this.repair = new ClusterRepair(redis, manager, settings, keys, replayed, reconciled, dropped, repaired);
    }

    /** Joins the cluster: attaches to the manager, starts reading signals and saying it is alive. */
    public RedisInterruptCluster start() {
        manager.attach(this);
        manager.addListener(this);
        reconnect(); // so the first requests already reach the cluster when Redis is there
        reader.start();
        long beat = settings.heartbeatInterval().toMillis();
        beats.scheduleWithFixedDelay(this::heartbeatQuietly, beat, beat, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Leaves the cluster while Redis is still there (called before the Redis client stops): the others
     * stop expecting this instance at once instead of after its heartbeats stop.
     */
    public void leave() {
        running = false;
        reader.interrupt();
        beats.shutdownNow();
        if (connected) {
            try {
                redis.opsForZSet().remove(keys.instances(), settings.instance());
            } catch (RuntimeException e) {
                LOG.debug(
                        "could not leave the cluster cleanly; the others drop this instance after its heartbeats stop",
                        e);
            }
        }
    }

    @Override
    public void close() {
        leave();
        timers.shutdownNow();
        announcer.shutdownNow();
        writer.shutdown();
        try {
            writer.awaitTermination(1, TimeUnit.SECONDS);
            reader.join(readBlock.toMillis() * 2 + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        manager.removeListener(this);
        manager.attach(ClusterLink.LOCAL);
        acks.finishAll();
    }

    // ---- state, for health and metrics --------------------------------------------------------

    public boolean connected() {
        return connected;
    }

    public String instance() {
        return settings.instance();
    }

    /** The other instances seen alive at the last heartbeat. */
    public List<String> peers() {
        return peers;
    }

    public Instant downSince() {
        return connected ? null : downSince;
    }

    public String lastError() {
        return lastError;
    }

    /** Interrupts issued while Redis was unreachable that still wait to be announced. */
    public int pendingReplays() {
        return repair.pending();
    }

    // ---- ClusterLink ----------------------------------------------------------------------------

    @Override
    public Announcement announce(String hardwareId, long localEpoch, String reason, String source, Instant at) {
        if (!connected) {
            return remember(hardwareId, localEpoch + 1, reason);
        }
        String id = settings.instance() + "-" + runToken + "-" + sequence.incrementAndGet();
        Acknowledgements.PendingAcks pending = acks.open(id);
        try {
            List<?> answer = announcer
                    .submit(() ->
                            ClusterScripts.announce(redis, keys, settings, hardwareId, localEpoch, reason, source, id))
                    .get(announceBound.toMillis(), TimeUnit.MILLISECONDS);
            long epoch = ((Number) answer.get(0)).longValue();
            List<String> expected = others(answer.get(1));
            repair.announced(hardwareId, epoch, answer.get(2), id, reason);
            signalsSent.increment();
            String pauseId = answer.size() > 3 ? emptyToNull(String.valueOf(answer.get(3))) : null;
            PauseOutcome pauseOutcome = pauseId == null ? null : outcome(String.valueOf(answer.get(4)));
            boolean pauseDecided = pauseId != null && ((Number) answer.get(5)).longValue() == 1;
            ClusterPause pause = pauseId == null || answer.size() < 11
                    ? null
                    : new ClusterPause(
                            hardwareId,
                            pauseId,
                            Long.parseLong(String.valueOf(answer.get(6))),
                            emptyToNull(String.valueOf(answer.get(7))),
                            emptyToNull(String.valueOf(answer.get(8))),
                            Instant.ofEpochMilli(Long.parseLong(String.valueOf(answer.get(9)))),
                            Instant.ofEpochMilli(Long.parseLong(String.valueOf(answer.get(10)))),
                            false);
            CompletableFuture<List<InstanceOutcome>> peers = pending == null
                    ? CompletableFuture.completedFuture(expected.stream()
                            .map(InstanceOutcome::unacknowledged)
                            .toList())
                    : acks.expect(id, pending, expected);
            return new Announcement(epoch, peers, pauseId, pauseOutcome, pauseDecided, pause);
        } catch (TimeoutException | RejectedExecutionException slow) {
            // The local interrupt goes on now. Redis may still run the script: the others would then get
            // the signal twice, which its epoch makes harmless; the replay makes sure they get it at all.
            acks.cancel(id);
            return remember(hardwareId, localEpoch + 1, reason);
        } catch (ExecutionException e) {
            acks.cancel(id);
            lost(e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause()));
            return remember(hardwareId, localEpoch + 1, reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acks.cancel(id);
            return remember(hardwareId, localEpoch + 1, reason);
        }
    }

    /**
     * Runs under the device's lock, on the caller's thread, bounded by the Redis command timeout (a pause
     * is not the hot path an interrupt is; holding the lock orders this instance's own pause before any
     * decision of it that the stream brings back).
     */
    @Override
    public ClusterPause openPause(
            String hardwareId, long localEpoch, String reason, String source, Instant pausedAt, Instant resumeBy) {
        if (!connected) {
            return null;
        }
        String id = settings.instance() + "-" + runToken + "-p" + sequence.incrementAndGet();
        // Kept a margin past the window, so that a late resume still learns the decision, and an instance that
        // missed the decision's signal retries until it reads it (or, once the record is gone, decides alone).
        Duration kept = Duration.between(pausedAt, resumeBy).plus(settings.ackTimeout());
        try {
            List<?> answer = redis.execute(
                    ClusterScripts.PAUSE,
                    List.of(keys.pause(hardwareId), keys.epoch(hardwareId), keys.signals()),
                    id,
                    hardwareId,
                    reason == null ? "" : reason,
                    source == null ? "" : source,
                    Long.toString(pausedAt.toEpochMilli()),
                    Long.toString(resumeBy.toEpochMilli()),
                    millis(kept),
                    millis(settings.keyTtl()),
                    Integer.toString(settings.streamMaxLength()),
                    settings.instance(),
                    Long.toString(localEpoch));
            boolean opened = ((Number) answer.get(0)).longValue() == 1;
            if (opened) {
                signalsSent.increment();
            }
            return new ClusterPause(
                    hardwareId,
                    String.valueOf(answer.get(1)),
                    ((Number) answer.get(2)).longValue(),
                    emptyToNull(String.valueOf(answer.get(3))),
                    emptyToNull(String.valueOf(answer.get(4))),
                    Instant.ofEpochMilli(Long.parseLong(String.valueOf(answer.get(5)))),
                    Instant.ofEpochMilli(Long.parseLong(String.valueOf(answer.get(6)))),
                    opened);
        } catch (RuntimeException e) {
            lost(e);
            return null;
        }
    }

    @Override
    public PauseVerdict decidePause(String hardwareId, String pauseId, PauseOutcome outcome) {
        if (!connected) {
            return PauseVerdict.LOCAL;
        }
        try {
            List<?> answer = redis.execute(
                    ClusterScripts.DECIDE,
                    List.of(keys.pause(hardwareId), keys.signals()),
                    pauseId,
                    outcome.tag(),
                    settings.instance(),
                    hardwareId,
                    Integer.toString(settings.streamMaxLength()),
                    millis(settings.keyTtl()));
            long verdict = ((Number) answer.get(0)).longValue();
            if (verdict == 1) {
                signalsSent.increment();
                return PauseVerdict.WON;
            }
            if (verdict == 0) {
                return PauseVerdict.lost(outcome(String.valueOf(answer.get(1))));
            }
            return PauseVerdict.LOCAL;
        } catch (RuntimeException e) {
            lost(e);
            return PauseVerdict.LOCAL;
        }
    }

    @Override
    public long claim(String hardwareId, long localEpoch) {
        if (connected) {
            try {
                return redis.execute(
                        ClusterScripts.CLAIM,
                        List.of(keys.epoch(hardwareId)),
                        Long.toString(localEpoch),
                        millis(settings.keyTtl()));
            } catch (RuntimeException e) {
                lost(e);
            }
        }
        // Re-published with the device's other epochs on reconnect, while its sessions are open.
        return localEpoch + 1;
    }

    @Override
    public Admission admit(String sessionId, String hardwareId, long localEpoch) {
        if (!connected) {
            return Admission.UNKNOWN_EPOCH;
        }
        try {
            List<?> answer = redis.execute(
                    ClusterScripts.ADMIT,
                    keys.sessionRecord(hardwareId, sessionId),
                    Integer.toString(settings.maxActiveSessions()),
                    sessionId,
                    hardwareId,
                    settings.instance(),
                    millis(settings.sessionTimeout()),
                    Long.toString(localEpoch),
                    millis(settings.keyTtl()));
            long verdict = ((Number) answer.get(0)).longValue();
            if (verdict == 2) {
                return Admission.DUPLICATE;
            }
            if (verdict != 1) {
                return Admission.REFUSED;
            }
            // An interrupt of this device made during an outage is not in the cluster's number yet.
            long epoch = repair.pendingFor(hardwareId) ? -1 : ((Number) answer.get(1)).longValue();
            return new Admission(true, epoch);
        } catch (RuntimeException e) {
            lost(e);
            return Admission.UNKNOWN_EPOCH;
        }
    }

    @Override
    public void withdraw(String sessionId) {
        write(() -> release(sessionId, null, SessionState.ENDED, 0));
    }

    @Override
    public void heartbeat(SessionInfo session) {
        write(() -> keep(session));
    }

    /**
     * One read of the device's epoch, the key every announcement increments: Redis orders the two, and the
     * caller holds the device lock, so an interrupt numbered after this read reaches the session only after
     * the commit is recorded on it. Without Redis nobody can tell which came first, so the commit is refused.
     */
    @Override
    public boolean mayCommit(String hardwareId, long sessionEpoch) {
        OptionalLong clusterEpoch = epoch(hardwareId);
        return clusterEpoch.isPresent() && clusterEpoch.getAsLong() <= sessionEpoch;
    }

    @Override
    public OptionalLong epoch(String hardwareId) {
        if (!connected) {
            return OptionalLong.empty();
        }
        try {
            String value = redis.opsForValue().get(keys.epoch(hardwareId));
            return OptionalLong.of(value == null ? 0 : Long.parseLong(value));
        } catch (RuntimeException e) {
            lost(e);
            return OptionalLong.empty();
        }
    }

    @Override
    public List<SessionInfo> remoteSessions(String hardwareId, int limit) {
        if (!connected) {
            return List.of();
        }
        try {
            String index = hardwareId == null ? keys.sessions() : keys.deviceSessions(hardwareId);
            List<String> ids = new ArrayList<>(redis.opsForZSet().reverseRange(index, 0, limit - 1L));
            List<Object> records = redis.executePipelined((RedisCallback<Object>) connection -> {
                for (String id : ids) {
                    connection.hashCommands().hGetAll(keys.session(id).getBytes(StandardCharsets.UTF_8));
                }
                return null;
            });
            List<SessionInfo> sessions = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                SessionInfo info = RemoteSession.parse(ids.get(i), (Map<?, ?>) records.get(i), settings.instance());
                if (info != null) {
                    sessions.add(info);
                }
            }
            return sessions;
        } catch (RuntimeException e) {
            lost(e);
            return List.of();
        }
    }

    // ---- InterruptListener: the session registry follows local sessions --------------------------

    @Override
    public void sessionChanged(SessionInfo session) {
        switch (session.state()) {
            case ACTIVE, PAUSED -> write(() -> keep(session)); // both open: a paused session keeps its slot
            case INTERRUPTED ->
                write(() -> release(
                        session.sessionId(),
                        session.hardwareId(),
                        SessionState.INTERRUPTED,
                        Math.max(1, settings.cleanupDelay().toMillis())));
            case ENDED, EXPIRED ->
                write(() -> release(
                        session.sessionId(),
                        session.hardwareId(),
                        session.state(),
                        Math.min(TOMBSTONE.toMillis(), settings.sessionTimeout().toMillis())));
        }
    }

    private void keep(SessionInfo session) {
        redis.execute(
                ClusterScripts.KEEP,
                keys.sessionRecord(session.hardwareId(), session.sessionId()),
                session.sessionId(),
                millis(settings.sessionTimeout()),
                Long.toString(session.epoch()),
                session.hardwareId(),
                settings.instance(),
                Long.toString(session.createdAt().toEpochMilli()),
                millis(settings.keyTtl()),
                session.state().name());
    }

    private void release(String sessionId, String hardwareId, SessionState state, long lingerMillis) {
        String device =
                hardwareId == null ? redis.<String, String>opsForHash().get(keys.session(sessionId), "hw") : hardwareId;
        redis.execute(
                ClusterScripts.RELEASE,
                List.of(keys.sessions(), keys.deviceSessions(device == null ? "" : device), keys.session(sessionId)),
                sessionId,
                state.name(),
                Long.toString(lingerMillis));
    }

    // ---- reading signals and acknowledgements --------------------------------------------------

    private void readLoop() {
        RedisConnection connection = null;
        while (running) {
            try {
                if (!connected) {
                    closeQuietly(connection);
                    connection = null;
                    reconnect();
                    continue;
                }
                if (repair.pending() > 0) {
                    repair.drainReplays(); // interrupts made while reconnecting, or whose announcement was slow
                }
                if (connection == null) {
                    connection = connections.getConnection();
                }
                stream.read(connection, this::onSignal, acks::received);
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                lost(e);
                closeQuietly(connection);
                connection = null;
            }
        }
        closeQuietly(connection);
    }

    private void onSignal(Map<String, String> signal) {
        String origin = signal.get("origin");
        if (settings.instance().equals(origin)) {
            return;
        }
        String type = signal.get("type");
        if ("pause".equals(type) || "pause-decided".equals(type)) {
            onPauseSignal(type, signal);
            return;
        }
        if (!"interrupt".equals(type)) {
            return;
        }
        String hardwareId = signal.get("hw");
        long epoch = Long.parseLong(signal.get("epoch"));
        String reason = emptyToNull(signal.get("reason"));
        String id = signal.get("id");
        String pauseId = emptyToNull(signal.get("pause"));
        PauseOutcome pauseOutcome = pauseId == null ? null : outcome(signal.get("pauseOutcome"));
        try {
            manager.applyRemote(hardwareId, epoch, reason, "cluster:" + origin, pauseId, pauseOutcome)
                    .whenComplete((result, error) -> {
                        signalsApplied.increment();
                        acknowledge(origin, id, result);
                    });
        } catch (InterruptHubException | IllegalArgumentException e) {
            LOG.warn(
                    "cluster signal for device {} epoch {} from {} not applied: {}",
                    hardwareId,
                    epoch,
                    origin,
                    e.getMessage());
            acknowledge(origin, id, null);
        }
    }

    /** Another instance's pause, or its decision of one: applied here, never acknowledged. */
    private void onPauseSignal(String type, Map<String, String> signal) {
        String hardwareId = signal.get("hw");
        String pauseId = signal.get("pause");
        try {
            if ("pause".equals(type)) {
                manager.applyRemotePause(new ClusterPause(
                        hardwareId,
                        pauseId,
                        Long.parseLong(signal.get("epoch")),
                        emptyToNull(signal.get("reason")),
                        emptyToNull(signal.get("source")),
                        Instant.ofEpochMilli(Long.parseLong(signal.get("pausedAt"))),
                        Instant.ofEpochMilli(Long.parseLong(signal.get("resumeBy"))),
                        false));
            } else {
                manager.applyRemotePauseDecision(hardwareId, pauseId, outcome(signal.get("outcome")));
            }
            signalsApplied.increment();
        } catch (RuntimeException e) {
            // A signal that cannot be applied here (device cap, malformed) must not stop the reader.
            LOG.warn("cluster {} signal for device {} not applied: {}", type, hardwareId, e.toString());
        }
    }

    /** A decision as scripts and signals write it ({@link PauseOutcome#tag()}). */
    private static PauseOutcome outcome(String tag) {
        return PauseOutcome.valueOf(tag.toUpperCase(Locale.ROOT));
    }

    private void acknowledge(String origin, String id, InterruptResult result) {
        if (origin == null || id == null) {
            return;
        }
        AckWrite ack = new AckWrite(
                origin,
                acks.answer(id, result),
                System.nanoTime() + settings.ackTimeout().toNanos());
        if (!writable) {
            keepUnsent(ack);
            return;
        }
        try {
            writer.execute(ack);
        } catch (RejectedExecutionException full) {
            dropped.increment();
        }
    }

    /**
     * An acknowledgement written by the writer thread. One that cannot be written (Redis lost, or the
     * primary died before the origin read it) is kept and written again after the reconnect: across a
     * failover the origin still waits for it if the failover took less than its acknowledgement timeout.
     */
    private final class AckWrite implements Runnable {
        final String origin;
        final Object[] args;
        /** After this the origin no longer waits for it (at most the ack timeout after it applied the signal). */
        final long deadlineNanos;

        AckWrite(String origin, Object[] args, long deadlineNanos) {
            this.origin = origin;
            this.args = args;
            this.deadlineNanos = deadlineNanos;
        }

        void send() {
            redis.execute(ClusterScripts.ACK, List.of(keys.acks(origin)), args);
        }

        @Override
        public void run() {
            if (!writable) {
                keepUnsent(this);
                return;
            }
            try {
                send();
                keepSent(this);
            } catch (RuntimeException e) {
                keepUnsent(this);
                lost(e);
            }
        }
    }

    /** Runs on the writer thread: the deadlines come in order, so the expired ones are at the head. */
    private void keepSent(AckWrite ack) {
        synchronized (sentAcks) {
            long now = System.nanoTime();
            while (!sentAcks.isEmpty()
                    && (sentAcks.peekFirst().deadlineNanos - now < 0 || sentAcks.size() >= settings.maxPending())) {
                sentAcks.pollFirst();
            }
            sentAcks.addLast(ack);
        }
    }

    /**
     * After a failover: the acknowledgements written shortly before it may have reached only the old
     * primary (replication is asynchronous), so those whose origins may still wait are written again.
     */
    private void resendRecentAcks() {
        synchronized (sentAcks) {
            sentAcks.forEach(this::keepUnsent);
            sentAcks.clear();
        }
    }

    private void keepUnsent(AckWrite ack) {
        synchronized (unsentAcks) {
            if (unsentAcks.size() >= settings.maxPending()) {
                unsentAcks.pollFirst(); // the oldest: its origin stops waiting first
                dropped.increment();
            }
            unsentAcks.addLast(ack);
        }
    }

    /**
     * Writes the acknowledgements the outage held back whose origins may still wait for them. An ack
     * whose write reached the old primary and was replicated is written twice: the origin records one
     * outcome per instance, so the second changes nothing.
     */
    private void resendAcks() {
        while (true) {
            AckWrite ack;
            synchronized (unsentAcks) {
                ack = unsentAcks.peekFirst();
            }
            if (ack == null) {
                return;
            }
            if (ack.deadlineNanos - System.nanoTime() > 0) {
                ack.send(); // a failure leaves it (and the rest) for the next reconnect
                keepSent(ack);
            }
            synchronized (unsentAcks) {
                unsentAcks.remove(ack);
            }
        }
    }

    // ---- outage and reconciliation ------------------------------------------------------------

    private Announcement remember(String hardwareId, long epoch, String reason) {
        repair.remember(hardwareId, epoch, reason);
        List<InstanceOutcome> unreached =
                peers.stream().map(InstanceOutcome::unacknowledged).toList();
        acksMissing.add(unreached.size());
        return new Announcement(epoch, CompletableFuture.completedFuture(unreached));
    }

    private void lost(RuntimeException e) {
        lastError = e.getClass().getSimpleName();
        writable = false;
        if (connected) {
            connected = false;
            downSince = Instant.now();
            outages.increment();
            // Queued registry writes are dropped (the reconnect repairs the registry); acknowledgements are kept.
            List<Runnable> queued = new ArrayList<>();
            writer.getQueue().drainTo(queued);
            for (Runnable write : queued) {
                if (write instanceof AckWrite ack) {
                    keepUnsent(ack);
                }
            }
            LOG.warn("Redis unreachable ({}); interrupts stay local and are re-announced on reconnect", lastError);
        }
    }

    /** Runs on the reader thread: waits for Redis, then catches up before signals flow again. */
    private void reconnect() {
        try {
            stream.startIfNew();
            String now = primaryRunId();
            boolean failedOver = primary != null && !primary.equals(now);
            if (failedOver) {
                stream.rewindTo(redis);
                repair.afterPrimaryChange();
                resendRecentAcks();
            }
            beat();
            writable = true;
            resendAcks();
            repair.drainReplays();
            repair.catchUp();
            primary = now; // only once caught up: a reconnect that fails half-way repairs again
            if (failedOver) {
                failovers.increment();
                LOG.warn(
                        "Redis primary changed (failover or restart); this instance's recent writes were checked and repaired");
            }
            connected = true;
            LOG.info("cluster connected as {} with {} other instances", settings.instance(), peers.size());
        } catch (RuntimeException e) {
            writable = false;
            lastError = e.getClass().getSimpleName();
            if (String.valueOf(e.getMessage()).contains("READONLY")
                    && connections instanceof LettuceConnectionFactory lettuce) {
                // Still connected to a primary that became a replica: connect again, through the sentinels.
                lettuce.resetConnection();
            }
            sleep(settings.reconnectInterval());
        }
    }

    /** Tells one Redis server process from another: a failover or a restart changes it. */
    private String primaryRunId() {
        Properties info = redis.execute((RedisCallback<Properties>)
                connection -> connection.serverCommands().info("server"));
        return info == null ? "" : info.getProperty("run_id", "");
    }

    private void heartbeatQuietly() {
        if (!connected) {
            return;
        }
        try {
            beat();
        } catch (RuntimeException e) {
            lost(e);
        }
    }

    private void beat() {
        List<?> alive = redis.execute(
                ClusterScripts.HEARTBEAT,
                List.of(keys.instances()),
                settings.instance(),
                millis(settings.liveness()),
                millis(settings.liveness().multipliedBy(10)));
        peers = others(alive);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void write(Runnable command) {
        if (!writable) {
            return; // re-created from heartbeats, or expired by score, once Redis is back
        }
        try {
            writer.execute(() -> {
                if (!writable) {
                    return; // queued before the outage was noticed: would only wait out its timeout
                }
                try {
                    command.run();
                } catch (RuntimeException e) {
                    lost(e);
                }
            });
        } catch (RejectedExecutionException full) {
            dropped.increment();
        }
    }

    private List<String> others(Object members) {
        List<String> others = new ArrayList<>();
        if (members instanceof Collection<?> all) {
            for (Object member : all) {
                String name = String.valueOf(member);
                if (!name.equals(settings.instance())) {
                    others.add(name);
                }
            }
        }
        return List.copyOf(others);
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    private static void closeQuietly(RedisConnection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (RuntimeException ignored) {
                // the connection is gone either way
            }
        }
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
