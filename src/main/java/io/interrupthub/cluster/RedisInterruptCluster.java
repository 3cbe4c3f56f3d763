package io.interrupthub.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

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
    /**
     * How long an ended session's record says so, against a late write of its open event (at most the
     * session timeout, after which the record would have expired anyway).
     */
    private static final Duration TOMBSTONE = Duration.ofSeconds(30);
    /**
     * The longest an interrupt's result, a commit or a resume waits for Redis to order it before going on without
     * (the interrupt is then replayed later; the commit is refused as unavailable; the resume decided here).
     */
    private static final Duration MAX_ORDER_WAIT = Duration.ofMillis(500);

    /** Where this instance stands with Redis; one reference, so one outage is counted once. */
    enum Connection {
        /** Redis cannot be reached: everything is local, and remembered for the catch-up. */
        DOWN,
        /** Reached again and repairing: writes and acknowledgements go out, announcements still wait. */
        CATCHING_UP,
        CONNECTED
    }

    private final StringRedisTemplate redis;
    private final RedisConnectionFactory connections;
    private final InterruptManager manager;
    private final ClusterSettings settings;
    private final ClusterKeys keys;
    private final Duration readBlock;
    private final Duration orderBound;

    /** Acknowledgement deadlines only: nothing here ever waits on Redis. */
    private final ScheduledExecutorService timers;
    /** Heartbeats, which do wait on Redis, apart from the deadlines. */
    private final ScheduledExecutorService beats;
    /** This instance's ordered commands per device: announcements, pauses, decisions, commit reads. */
    private final DeviceLanes lanes;
    /** Told apart from an earlier run of the same instance name, so its late acknowledgements match nothing. */
    private final String runToken = Long.toHexString(Double.doubleToLongBits(Math.random()) ^ System.nanoTime());
    /** Registry updates and acknowledgements, in order, off the callers' threads; bounded. */
    private final ThreadPoolExecutor writer;

    private final Thread reader;

    private final Acknowledgements acks;
    private final SignalStream stream;
    private final ClusterRepair repair;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicReference<Connection> connection = new AtomicReference<>(Connection.DOWN);
    /** Pauses of the cluster decided here while Redis could not answer, still to be recorded there. */
    private final Map<String, AloneDecision> aloneDecisions = new ConcurrentHashMap<>();

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
    /** Pauses this instance decided alone because Redis could not order the decision in time. */
    final LongAdder pausesDecidedAlone = new LongAdder();
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
        this.orderBound = commandTimeout.compareTo(MAX_ORDER_WAIT) < 0 ? commandTimeout : MAX_ORDER_WAIT;
        this.timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("interrupt-cluster-timer-"));
        this.beats = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("interrupt-cluster-heartbeat-"));
        this.lanes = new DeviceLanes(settings.maxPending(), settings.answerWait());
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
        if (connected()) {
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
        lanes.close();
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
        return connection.get() == Connection.CONNECTED;
    }

    /** Registry writes and acknowledgements go out: while connected, and already while catching up. */
    private boolean writable() {
        return connection.get() != Connection.DOWN;
    }

    public String instance() {
        return settings.instance();
    }

    /** The other instances seen alive at the last heartbeat. */
    public List<String> peers() {
        return peers;
    }

    public Instant downSince() {
        return connected() ? null : downSince;
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
    public CompletableFuture<Announcement> announce(
            String hardwareId, long floor, long localEpoch, String reason, String source, Instant at) {
        if (!connected()) {
            return CompletableFuture.completedFuture(remember(hardwareId, localEpoch, reason));
        }
        String id = settings.instance() + "-" + runToken + "-" + sequence.incrementAndGet();
        Acknowledgements.PendingAcks pending = acks.open(id);
        AtomicBoolean abandoned = new AtomicBoolean();
        return lanes.submit(hardwareId, () -> {
                    if (abandoned.get() || !connected()) {
                        throw new CancellationException("replayed instead");
                    }
                    ScriptReplies.Announced reply;
                    try {
                        reply = ScriptReplies.Announced.of(
                                ClusterScripts.announce(redis, keys, settings, hardwareId, floor, reason, source, id),
                                hardwareId);
                    } catch (RuntimeException e) {
                        lost(e);
                        throw e;
                    }
                    repair.announced(hardwareId, reply.epoch(), reply.entryId(), id, reason);
                    if (abandoned.get()) {
                        // Answered after the bound: announced after all, so it need not be replayed (if not yet).
                        repair.forget(hardwareId, localEpoch);
                    }
                    signalsSent.increment();
                    // Before this device's next command: a commit's read then finds its sessions in the cluster's turn.
                    manager.fence(hardwareId, localEpoch, reply.epoch());
                    List<String> expected = others(reply.live());
                    CompletableFuture<List<InstanceOutcome>> peers = pending == null
                            ? CompletableFuture.completedFuture(expected.stream()
                                    .map(InstanceOutcome::unacknowledged)
                                    .toList())
                            : acks.expect(id, pending, expected);
                    return new Announcement(
                            reply.epoch(),
                            peers,
                            reply.pauseId(),
                            reply.pauseOutcome(),
                            reply.tookPause(),
                            reply.pause(),
                            true);
                })
                .orTimeout(orderBound.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failed -> {
                    // Not taken in time (Redis slow or gone, or the lane full): the local interrupt stands, and the
                    // replay announces it. Redis may still run a script already sent: the others then get the
                    // signal twice, which its epoch makes harmless.
                    abandoned.set(true);
                    acks.cancel(id);
                    return remember(hardwareId, localEpoch, reason);
                });
    }

    @Override
    public void claimed(String hardwareId, long epoch) {
        // Re-published with the device's other epochs on reconnect too, while its sessions are open.
        write(() -> redis.execute(
                ClusterScripts.RAISE,
                List.of(keys.epoch(hardwareId)),
                Long.toString(epoch),
                millis(settings.keyTtl())));
    }

    @Override
    public String newPauseId() {
        return settings.instance() + "-" + runToken + "-p" + sequence.incrementAndGet();
    }

    /**
     * Runs on the device's lane after the pause already holds this instance's sessions: Redis records it and tells
     * the others, or answers the pause it already had open, which this one then joins.
     */
    @Override
    public CompletableFuture<ClusterPause> openPause(
            String pauseId,
            String hardwareId,
            long localEpoch,
            String reason,
            String source,
            Instant pausedAt,
            Instant resumeBy,
            BooleanSupplier undecided) {
        if (!connected()) {
            return CompletableFuture.completedFuture(null);
        }
        // Kept a margin past the window, so that a late resume still learns the decision, and an instance that
        // missed the decision's signal retries until it reads it (or, once the record is gone, decides alone).
        Duration kept = Duration.between(pausedAt, resumeBy).plus(settings.ackTimeout());
        return lanes.submit(hardwareId, () -> {
                    if (!undecided.getAsBoolean()) {
                        return null; // decided here while it waited its turn: nothing left to share
                    }
                    List<?> answer = command(() -> redis.execute(
                            ClusterScripts.PAUSE,
                            List.of(keys.pause(hardwareId), keys.epoch(hardwareId), keys.signals()),
                            pauseId,
                            hardwareId,
                            reason == null ? "" : reason,
                            source == null ? "" : source,
                            Long.toString(pausedAt.toEpochMilli()),
                            Long.toString(resumeBy.toEpochMilli()),
                            millis(kept),
                            millis(settings.keyTtl()),
                            Integer.toString(settings.streamMaxLength()),
                            settings.instance(),
                            Long.toString(localEpoch)));
                    ClusterPause pause = ScriptReplies.opened(answer, hardwareId);
                    if (pause.opened()) {
                        signalsSent.increment();
                    }
                    return pause;
                })
                .exceptionally(failed -> null);
    }

    @Override
    public CompletableFuture<PauseVerdict> decidePause(String hardwareId, String pauseId, PauseOutcome outcome) {
        if (!connected()) {
            return CompletableFuture.completedFuture(PauseVerdict.LOCAL);
        }
        return lanes.submit(hardwareId, () -> decide(hardwareId, pauseId, outcome, false))
                .completeOnTimeout(PauseVerdict.LOCAL, orderBound.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failed -> PauseVerdict.LOCAL);
    }

    /** {@code tell}: a decision already taken here alone, signalled even for a pause Redis no longer holds. */
    private PauseVerdict decide(String hardwareId, String pauseId, PauseOutcome outcome, boolean tell) {
        PauseVerdict verdict = ScriptReplies.verdict(command(() -> redis.execute(
                ClusterScripts.DECIDE,
                List.of(keys.pause(hardwareId), keys.signals()),
                pauseId,
                outcome.tag(),
                settings.instance(),
                hardwareId,
                Integer.toString(settings.streamMaxLength()),
                millis(settings.keyTtl()),
                tell ? "1" : "0")));
        if (verdict.kind() == PauseVerdict.Kind.WON) {
            signalsSent.increment();
        }
        return verdict;
    }

    /**
     * Remembered (the newest per pause, bounded by max-pending) and recorded in Redis on the device's lane: now when
     * connected, else once caught up. A pause Redis never heard of, or decided otherwise meanwhile, is left as it is.
     */
    @Override
    public void decidedAlone(String hardwareId, String pauseId, PauseOutcome outcome) {
        pausesDecidedAlone.increment();
        if (aloneDecisions.size() < settings.maxPending() || aloneDecisions.containsKey(pauseId)) {
            aloneDecisions.put(pauseId, new AloneDecision(hardwareId, pauseId, outcome));
        } else {
            dropped.increment();
        }
        if (connected()) {
            tellAloneDecisions();
        }
    }

    private record AloneDecision(String hardwareId, String pauseId, PauseOutcome outcome) {}

    private void tellAloneDecisions() {
        for (AloneDecision decision : aloneDecisions.values()) {
            lanes.submit(
                            decision.hardwareId(),
                            () -> decide(decision.hardwareId(), decision.pauseId(), decision.outcome(), true))
                    .thenRun(() -> aloneDecisions.remove(decision.pauseId(), decision));
        }
    }

    /**
     * Answers at once, from local state, when Redis is down or slow; otherwise waits at most the answer wait for
     * the cluster-wide cap and the device's epoch. A session admitted without the cluster is provisional: its
     * record is written once Redis answers again, and any interrupt from another instance stops it.
     */
    @Override
    public Admission admit(String sessionId, String hardwareId, long localEpoch) {
        if (!connected() || lanes.slow()) {
            return Admission.UNKNOWN_EPOCH;
        }
        CompletableFuture<Admission> answer = lanes.submit(
                hardwareId,
                () -> ScriptReplies.admission(command(() -> redis.execute(
                        ClusterScripts.ADMIT,
                        keys.sessionRecord(hardwareId, sessionId),
                        Integer.toString(settings.maxActiveSessions()),
                        sessionId,
                        hardwareId,
                        settings.instance(),
                        millis(settings.sessionTimeout()),
                        Long.toString(localEpoch),
                        millis(settings.keyTtl())))));
        Admission admission = await(answer, settings.answerWait(), Admission.UNKNOWN_EPOCH);
        // An interrupt of this device made during an outage is not in the cluster's number yet.
        if (admission instanceof Admission.Admitted && repair.pendingFor(hardwareId)) {
            return Admission.UNKNOWN_EPOCH;
        }
        return admission;
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
     * One read of the device's epoch, the key every announcement increments, on the device's lane: after this
     * instance's own announcements of the device, so Redis orders the commit against every interrupt numbered so
     * far. Empty when Redis cannot answer within the order bound: a commit is worth a short wait, unlike an
     * admission, since what it would otherwise get is a refusal.
     */
    @Override
    public CompletableFuture<OptionalLong> commitEpoch(String hardwareId) {
        if (!connected()) {
            return CompletableFuture.completedFuture(OptionalLong.empty());
        }
        return lanes.submit(hardwareId, () -> clusterEpoch(hardwareId))
                .completeOnTimeout(OptionalLong.empty(), orderBound.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failed -> OptionalLong.empty());
    }

    @Override
    public boolean commitsNeedTheCluster() {
        return settings.commitOrdering() == ClusterSettings.CommitOrdering.CLUSTER;
    }

    @Override
    public OptionalLong epoch(String hardwareId) {
        if (!connected() || lanes.slow()) {
            return OptionalLong.empty();
        }
        return await(
                lanes.submit(hardwareId, () -> clusterEpoch(hardwareId)), settings.answerWait(), OptionalLong.empty());
    }

    private OptionalLong clusterEpoch(String hardwareId) {
        String value = command(() -> redis.opsForValue().get(keys.epoch(hardwareId)));
        return OptionalLong.of(value == null ? 0 : Long.parseLong(value));
    }

    /** A Redis command whose failure means Redis is lost. */
    private <T> T command(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            lost(e);
            throw e;
        }
    }

    private static <T> T await(CompletableFuture<T> answer, Duration bound, T otherwise) {
        try {
            return answer.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return otherwise;
        } catch (ExecutionException | TimeoutException e) {
            return otherwise;
        }
    }

    @Override
    public List<SessionInfo> remoteSessions(String hardwareId, int limit) {
        if (!connected() || lanes.slow()) {
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
                if (!connected()) {
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
        String reason = ScriptReplies.emptyToNull(signal.get("reason"));
        String id = signal.get("id");
        String pauseId = ScriptReplies.emptyToNull(signal.get("pause"));
        PauseOutcome pauseOutcome = pauseId == null ? null : ScriptReplies.outcome(signal.get("pauseOutcome"));
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
                manager.applyRemotePause(ScriptReplies.pauseSignal(signal));
            } else {
                manager.applyRemotePauseDecision(hardwareId, pauseId, ScriptReplies.outcome(signal.get("outcome")));
            }
            signalsApplied.increment();
        } catch (RuntimeException e) {
            // A signal that cannot be applied here (device cap, malformed) must not stop the reader.
            LOG.warn("cluster {} signal for device {} not applied: {}", type, hardwareId, e.toString());
        }
    }

    private void acknowledge(String origin, String id, InterruptResult result) {
        if (origin == null || id == null) {
            return;
        }
        AckWrite ack = new AckWrite(
                origin,
                acks.answer(id, result),
                System.nanoTime() + settings.ackTimeout().toNanos());
        if (!writable()) {
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
            if (!writable()) {
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
        return Announcement.unheard(epoch, unreached);
    }

    private void lost(RuntimeException e) {
        lastError = e.getClass().getSimpleName();
        if (connection.getAndSet(Connection.DOWN) == Connection.CONNECTED) {
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
            connection.compareAndSet(Connection.DOWN, Connection.CATCHING_UP);
            resendAcks();
            repair.drainReplays();
            repair.catchUp();
            primary = now; // only once caught up: a reconnect that fails half-way repairs again
            if (failedOver) {
                failovers.increment();
                LOG.warn(
                        "Redis primary changed (failover or restart); this instance's recent writes were checked and repaired");
            }
            if (connection.compareAndSet(Connection.CATCHING_UP, Connection.CONNECTED)) {
                tellAloneDecisions();
                LOG.info("cluster connected as {} with {} other instances", settings.instance(), peers.size());
            }
        } catch (RuntimeException e) {
            connection.set(Connection.DOWN);
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
        if (!connected()) {
            return;
        }
        try {
            beat();
        } catch (RuntimeException e) {
            lost(e);
        }
    }

    private void beat() {
        List<?> alive = lanes.heartbeat(() -> redis.execute(
                ClusterScripts.HEARTBEAT,
                List.of(keys.instances()),
                settings.instance(),
                millis(settings.liveness()),
                millis(settings.liveness().multipliedBy(10))));
        peers = others(ScriptReplies.names(alive));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void write(Runnable command) {
        if (!writable()) {
            return; // re-created from heartbeats, or expired by score, once Redis is back
        }
        try {
            writer.execute(() -> {
                if (!writable()) {
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

    private List<String> others(List<String> members) {
        return members.stream()
                .filter(name -> !name.equals(settings.instance()))
                .toList();
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
