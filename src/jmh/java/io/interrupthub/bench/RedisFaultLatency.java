package io.interrupthub.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.interrupthub.cluster.ClusterSettings;
import io.interrupthub.cluster.RedisInterruptCluster;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Pause;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionState;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 23 in figures: barge-in while Redis is slow or gone. Two instances {@code a} and {@code b}, each an
 * {@link InterruptManager} with a {@link RedisInterruptCluster}, on one redis-server of the caller's (started with
 * {@code --enable-debug-command yes}), with the service's shipped settings (command and connect timeout 1 s,
 * heartbeat 1 s, reconnect 500 ms, answer wait 75 ms, commits ordered by the cluster). In one run:
 *
 * <ol>
 *   <li><b>The local event</b>: from {@code a.manager.interrupt(device, …)} to a registered listener's
 *       {@code interruptStarted} on {@code a} and to the session's {@code onInterrupt} callback, over N rounds each
 *       with Redis healthy, stalled ({@code DEBUG SLEEP 2}), unreachable ({@code CLIENT PAUSE 6000 ALL}) and gone
 *       (the process killed, started again 3 s later), against one process (a manager with no cluster) as the
 *       baseline. Fault rounds are taken only while the fault is in force (injected, confirmed by an unanswered
 *       PING, and at least 300 ms before its nominal end), a few dozen per fault, so each fault's first call meets an
 *       {@code a} that still believes Redis is there.</li>
 *   <li><b>The calls during a stall</b>: openSession, heartbeat, stopped, commit, pause, resume, endSession while
 *       {@code DEBUG SLEEP 2} is in force, against the same calls with Redis healthy; the order of the calls is
 *       rotated from one stall to the next, so that each call is once the first to meet a fresh stall.</li>
 *   <li><b>Convergence</b>: after each fault of item 1, from the moment Redis answers again (a PING of this
 *       program's own) until, for every device interrupted during the fault, {@code b}'s session is
 *       {@code INTERRUPTED} and {@code a} and {@code b} report the same {@code flagStatus(device).epoch()};
 *       against the healthy cross-instance propagation (interrupt on {@code a} until the same holds).</li>
 * </ol>
 *
 * Usage: {@code RedisFaultLatency <redis-port> <redis-pid-file> <rounds> <call-rounds> <out-dir>}. The pid file names
 * the redis-server to kill for the GONE fault; this program starts it again (same port and options) and writes the
 * new pid there, so the caller can stop whichever one is left.
 */
public final class RedisFaultLatency {

    /** The service's shipped Redis command and connect timeout (application.yml, spring.data.redis.timeout). */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** Rounds of item 1 taken per fault, so that N rounds span several faults. */
    static final int ROUNDS_PER_FAULT = 50;
    /** Rounds of item 2 taken per stall. */
    static final int CALL_ROUNDS_PER_STALL = 15;
    /** Rounds stop this long before the fault's nominal end. */
    static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    enum Fault {
        SLOW("stalled: DEBUG SLEEP 2", Duration.ofSeconds(2)),
        UNREACHABLE("unreachable: CLIENT PAUSE 6000 ALL", Duration.ofSeconds(6)),
        GONE("gone: killed, restarted after 3 s", Duration.ofSeconds(3));

        final String label;
        final Duration lasts;

        Fault(String label, Duration lasts) {
            this.label = label;
            this.lasts = lasts;
        }
    }

    enum Call {
        OPEN_SESSION("openSession"),
        HEARTBEAT("heartbeat"),
        STOPPED("stopped (stop receipt)"),
        COMMIT("commit"),
        PAUSE("pause"),
        RESUME("resume (of that pause)"),
        END_SESSION("endSession");

        final String label;

        Call(String label) {
            this.label = label;
        }
    }

    private final int redisPort;
    private final Path redisPidFile;
    private final Path outDir;
    private final String namespace = "fault-bench-" + ProcessHandle.current().pid();
    private final InterruptSettings core = InterruptSettings.builder()
            .maxActiveSessions(100_000)
            .sessionTimeout(Duration.ofMinutes(10))
            // A pause lasts longer than any fault here, so that only the caller's resume decides it.
            .resumeWindow(Duration.ofMinutes(1))
            .build();
    private final Map<String, Long> heardOnA = new ConcurrentHashMap<>();
    private final Map<String, Long> heardAlone = new ConcurrentHashMap<>();
    private Node a;
    private Node b;
    private InterruptManager alone;
    private int sequence;

    private RedisFaultLatency(int redisPort, Path redisPidFile, Path outDir) {
        this.redisPort = redisPort;
        this.redisPidFile = redisPidFile;
        this.outDir = outDir;
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path pidFile = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int callRounds = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        RedisFaultLatency bench = new RedisFaultLatency(port, pidFile, out);
        try {
            bench.run(rounds, callRounds);
        } finally {
            bench.close();
        }
        System.exit(0); // Lettuce's and the managers' daemon threads aside, nothing is left to wait for
    }

    // ---- the run -----------------------------------------------------------------------------------

    private void run(int rounds, int callRounds) throws Exception {
        long started = System.nanoTime();
        alone = new InterruptManager(core).start();
        alone.addListener(listener(heardAlone));
        a = new Node("bench-a");
        b = new Node("bench-b");
        a.manager.addListener(listener(heardOnA));
        awaitCluster();
        log("cluster up: a and b see each other");

        // Warm-up: every measured path, healthy, dropped.
        localRounds(alone, heardAlone, null, 200, false);
        localRounds(a.manager, heardOnA, b.manager, 200, true);
        callRound(List.of(Call.values()), 0, new EnumMap<>(Call.class), new EnumMap<>(Call.class), 60);
        log("warmed up");

        // 1. The baselines, half before the faults and half after, pooled.
        Rounds single = new Rounds();
        Rounds healthy = new Rounds();
        single.add(localRounds(alone, heardAlone, null, rounds / 2, false));
        healthy.add(localRounds(a.manager, heardOnA, b.manager, rounds / 2, true));
        log("healthy and one-process rounds (first half)");

        Map<Fault, Rounds> faulty = new EnumMap<>(Fault.class);
        for (Fault kind : Fault.values()) {
            faulty.put(kind, faultRounds(kind, rounds));
            log(kind + ": " + faulty.get(kind).event.size() + " rounds over "
                    + faulty.get(kind).convergeNanos.size() + " faults");
        }

        // 2. The calls, healthy and during stalls.
        Map<Call, List<Long>> healthyCalls = new EnumMap<>(Call.class);
        Map<Call, Map<String, Integer>> healthyAnswers = new EnumMap<>(Call.class);
        int stalls =
                Math.max(Call.values().length - 1, (callRounds + CALL_ROUNDS_PER_STALL - 1) / CALL_ROUNDS_PER_STALL);
        awaitCluster();
        for (int s = 0; s < stalls; s++) {
            callRound(rotated(s), s, healthyCalls, healthyAnswers, CALL_ROUNDS_PER_STALL);
        }
        Map<Call, List<Long>> stallCalls = new EnumMap<>(Call.class);
        Map<Call, Map<String, Integer>> stallAnswers = new EnumMap<>(Call.class);
        Map<Call, List<Long>> firstInStall = new EnumMap<>(Call.class);
        for (int s = 0; s < stalls; s++) {
            stallCalls(rotated(s), s, stallCalls, stallAnswers, firstInStall);
        }
        log("calls: " + stalls + " stalls");

        single.add(localRounds(alone, heardAlone, null, rounds - rounds / 2, false));
        healthy.add(localRounds(a.manager, heardOnA, b.manager, rounds - rounds / 2, true));
        log("healthy and one-process rounds (second half)");

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rounds", rounds);
        root.put("seconds", (System.nanoTime() - started) / 1_000_000_000.0);
        String md = report(
                root,
                single,
                healthy,
                faulty,
                healthyCalls,
                healthyAnswers,
                stallCalls,
                stallAnswers,
                firstInStall,
                stalls);
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("redis-faults.md"), md);
        Stats.write(outDir.resolve("redis-faults.json"), root);
        System.out.println(md);
    }

    /** The calls rotated by {@code by}; a resume always right after its pause. */
    private static List<Call> rotated(int by) {
        List<Call> calls = new ArrayList<>(List.of(Call.values()));
        calls.remove(Call.RESUME);
        java.util.Collections.rotate(calls, -(by % calls.size()));
        calls.add(calls.indexOf(Call.PAUSE) + 1, Call.RESUME);
        return calls;
    }

    // ---- 1. the local event, and 3. convergence --------------------------------------------------

    /** What item 1 gathers for one condition. */
    static final class Rounds {
        final List<Long> returned = new ArrayList<>();
        final List<Long> event = new ArrayList<>();
        final List<Long> callback = new ArrayList<>();
        /** Healthy: interrupt on a until b's session INTERRUPTED and the same epoch on both. */
        final List<Long> propagation = new ArrayList<>();
        /** Per fault: Redis answers again until every device of the fault has converged. */
        final List<Long> convergeNanos = new ArrayList<>();
        /** Per fault: Redis answers again until the first device of the fault has converged. */
        final List<Long> firstConvergeNanos = new ArrayList<>();

        int notConverged;

        void add(Rounds other) {
            returned.addAll(other.returned);
            event.addAll(other.event);
            callback.addAll(other.callback);
            propagation.addAll(other.propagation);
        }
    }

    /** One device per round, with a session on {@code manager} (and on {@code peer}), interrupted once. */
    private Rounds localRounds(
            InterruptManager manager, Map<String, Long> heard, InterruptManager peer, int count, boolean propagate) {
        Rounds out = new Rounds();
        for (int i = 0; i < count; i++) {
            Prepared p = prepare(manager, peer);
            measure(manager, heard, p, out);
            if (propagate) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!converged(p) && System.nanoTime() < deadline) {
                    pollPause();
                }
                out.propagation.add(System.nanoTime() - p.start);
            }
        }
        return out;
    }

    /** A device with a session on each instance, and the time its local callback ran. */
    static final class Prepared {
        final String device;
        final Session local;
        final Session remote;
        final long epochBefore;
        final AtomicLong callbackAt = new AtomicLong();
        long start;

        Prepared(String device, Session local, Session remote, long epochBefore) {
            this.device = device;
            this.local = local;
            this.remote = remote;
            this.epochBefore = epochBefore;
            local.onInterrupt((InterruptCause cause) -> callbackAt.compareAndSet(0, System.nanoTime()));
        }
    }

    private Prepared prepare(InterruptManager manager, InterruptManager peer) {
        String device = "dev-" + (++sequence);
        Session local = manager.openSession(device);
        Session remote = peer == null ? null : peer.openSession(device);
        return new Prepared(device, local, remote, manager.flagStatus(device).epoch());
    }

    private static void measure(InterruptManager manager, Map<String, Long> heard, Prepared p, Rounds out) {
        p.start = System.nanoTime();
        manager.interrupt(p.device, "barge-in");
        long returned = System.nanoTime();
        long deadline = returned + TimeUnit.SECONDS.toNanos(10);
        while ((p.callbackAt.get() == 0 || heard.get(p.device) == null) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Long heardAt = heard.get(p.device);
        out.returned.add(returned - p.start);
        out.event.add(heardAt == null ? Long.MAX_VALUE : heardAt - p.start);
        out.callback.add(p.callbackAt.get() == 0 ? Long.MAX_VALUE : p.callbackAt.get() - p.start);
    }

    /** b's session of the device INTERRUPTED and both instances on the same epoch, past the one before. */
    private boolean converged(Prepared p) {
        if (p.remote.state() != SessionState.INTERRUPTED) {
            return false;
        }
        long onA = a.manager.flagStatus(p.device).epoch();
        return onA > p.epochBefore && b.manager.flagStatus(p.device).epoch() == onA;
    }

    private Rounds faultRounds(Fault kind, int rounds) throws Exception {
        Rounds out = new Rounds();
        while (out.event.size() < rounds) {
            awaitCluster();
            int batch = Math.min(ROUNDS_PER_FAULT, rounds - out.event.size());
            List<Prepared> prepared = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                prepared.add(prepare(a.manager, b.manager));
            }
            List<Prepared> measured = new ArrayList<>();
            try (Injected fault = inject(kind)) {
                for (Prepared p : prepared) {
                    if (System.nanoTime() > fault.lastCallAt) {
                        break;
                    }
                    measure(a.manager, heardOnA, p, out);
                    measured.add(p);
                }
                long over = fault.awaitOver();
                long deadline = over + TimeUnit.SECONDS.toNanos(20);
                long first = 0;
                List<Prepared> waiting = new ArrayList<>(measured);
                while (!waiting.isEmpty() && System.nanoTime() < deadline) {
                    waiting.removeIf(this::converged);
                    if (first == 0 && waiting.size() < measured.size()) {
                        first = System.nanoTime();
                    }
                    if (!waiting.isEmpty()) {
                        pollPause();
                    }
                }
                long done = System.nanoTime();
                if (waiting.isEmpty()) {
                    out.convergeNanos.add(done - over);
                    out.firstConvergeNanos.add((first == 0 ? done : first) - over);
                } else {
                    out.notConverged++;
                    log(kind + ": " + waiting.size() + " of " + measured.size() + " devices not converged 20 s after"
                            + " the fault, e.g. " + waiting.get(0).device + " b="
                            + waiting.get(0).remote.state()
                            + " epochs a="
                            + a.manager.flagStatus(waiting.get(0).device).epoch() + " b="
                            + b.manager.flagStatus(waiting.get(0).device).epoch());
                }
            }
        }
        return out;
    }

    // ---- 2. the calls -------------------------------------------------------------------------------

    /** The sessions and devices one round of calls uses, opened while Redis is healthy. */
    final class CallFixture {
        final Session heartbeat;
        final Session stopped;
        final Session commit;
        final String pauseDevice;
        final Session pausedOnB;
        final Session ended;
        final String openDevice;

        CallFixture() {
            heartbeat = open();
            stopped = open();
            commit = open();
            Session paused = open();
            pauseDevice = paused.hardwareId();
            pausedOnB = lastOnB;
            ended = open();
            openDevice = "dev-" + (++sequence);
        }

        private Session lastOnB;
        boolean reached;

        private Session open() {
            String device = "dev-" + (++sequence);
            lastOnB = b.manager.openSession(device); // the device is known to both instances
            return a.manager.openSession(device);
        }
    }

    /** Runs one round of the calls in {@code order}; returns each call's latency. */
    private Map<Call, Long> callOnce(List<Call> order, CallFixture f, Map<Call, Map<String, Integer>> answers) {
        Map<Call, Long> took = new EnumMap<>(Call.class);
        for (Call call : order) {
            long start = System.nanoTime();
            String answer;
            try {
                answer = switch (call) {
                    case OPEN_SESSION ->
                        a.manager.openSession(f.openDevice).state().name();
                    case HEARTBEAT ->
                        a.manager.heartbeat(f.heartbeat.sessionId()).state().name();
                    case STOPPED ->
                        a.manager
                                .stopped(f.stopped.sessionId(), null, null)
                                .state()
                                .name();
                    case COMMIT -> {
                        a.manager.commit(f.commit.sessionId(), "send_email");
                        yield "committed";
                    }
                    case PAUSE -> a.manager.pause(f.pauseDevice).alreadyPaused() ? "already paused" : "paused";
                    case RESUME -> {
                        Pause p = a.manager.resume(f.pauseDevice);
                        yield p.outcome() == null ? "open" : p.outcome().name();
                    }
                    case END_SESSION -> {
                        a.manager.endSession(f.ended.sessionId());
                        yield "ended";
                    }
                };
            } catch (InterruptHubException e) {
                answer = e.kind().name();
            }
            took.put(call, System.nanoTime() - start);
            answers.computeIfAbsent(call, c -> new TreeMap<>()).merge(answer, 1, Integer::sum);
        }
        return took;
    }

    private void callRound(
            List<Call> order,
            int stall,
            Map<Call, List<Long>> latencies,
            Map<Call, Map<String, Integer>> answers,
            int count) {
        List<CallFixture> fixtures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fixtures.add(new CallFixture());
        }
        for (CallFixture f : fixtures) {
            int refusedBefore = answers.getOrDefault(Call.COMMIT, Map.of()).getOrDefault("UNAVAILABLE", 0);
            callOnce(order, f, answers)
                    .forEach((c, t) ->
                            latencies.computeIfAbsent(c, x -> new ArrayList<>()).add(t));
            if (answers.get(Call.COMMIT).getOrDefault("UNAVAILABLE", 0) > refusedBefore) {
                log("a commit with Redis healthy answered UNAVAILABLE: a connected=" + a.cluster.connected()
                        + ", Redis answers PING: " + answersPing(redisPort));
            }
        }
    }

    private void stallCalls(
            List<Call> order,
            int stall,
            Map<Call, List<Long>> latencies,
            Map<Call, Map<String, Integer>> answers,
            Map<Call, List<Long>> first)
            throws Exception {
        awaitCluster();
        List<CallFixture> fixtures = new ArrayList<>();
        for (int i = 0; i < CALL_ROUNDS_PER_STALL; i++) {
            fixtures.add(new CallFixture());
        }
        try (Injected fault = inject(Fault.SLOW)) {
            boolean firstRound = true;
            for (CallFixture f : fixtures) {
                if (System.nanoTime() > fault.lastCallAt) {
                    break;
                }
                f.reached = true;
                Map<Call, Long> took = callOnce(order, f, answers);
                took.forEach((c, t) ->
                        latencies.computeIfAbsent(c, x -> new ArrayList<>()).add(t));
                if (firstRound) {
                    first.computeIfAbsent(order.get(0), x -> new ArrayList<>()).add(took.get(order.get(0)));
                    firstRound = false;
                }
            }
            fault.awaitOver();
        }
        // A pause opened and resumed on a during the stall: what b holds of it once Redis answers again.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500));
        for (CallFixture f : fixtures) {
            if (f.reached) {
                afterStallOnB.merge(f.pausedOnB.state().name(), 1, Integer::sum);
            }
        }
    }

    /** States of b's sessions of the devices paused and resumed on a during the stalls, 1.5 s after each stall. */
    private final Map<String, Integer> afterStallOnB = new TreeMap<>();

    // ---- the instances ------------------------------------------------------------------------------

    /** One instance as the service builds it: its manager, its Lettuce client, its cluster link. */
    final class Node implements AutoCloseable {
        final InterruptManager manager;
        final RedisInterruptCluster cluster;
        final LettuceConnectionFactory connections;

        Node(String name) {
            manager = new InterruptManager(core).start();
            LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                    .commandTimeout(COMMAND_TIMEOUT)
                    .clientName(name)
                    .clientOptions(ClientOptions.builder()
                            .socketOptions(SocketOptions.builder()
                                    .connectTimeout(COMMAND_TIMEOUT)
                                    .build())
                            .build())
                    .build();
            connections =
                    new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redisPort), client);
            connections.afterPropertiesSet();
            connections.start();
            StringRedisTemplate redis = new StringRedisTemplate(connections);
            redis.afterPropertiesSet();
            // The service's defaults (InterruptClusterProperties): heartbeat 1 s, reconnect 500 ms, answer wait 75 ms.
            ClusterSettings settings = new ClusterSettings(
                    name,
                    namespace,
                    core.interruptTimeout().plusSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofMillis(500),
                    Duration.ofHours(24),
                    10_000,
                    10_000,
                    core.interruptTimeout(),
                    core.sessionTimeout(),
                    core.cleanupDelay(),
                    core.maxActiveSessions(),
                    ClusterSettings.DEFAULT_ANSWER_WAIT,
                    ClusterSettings.CommitOrdering.CLUSTER);
            cluster = new RedisInterruptCluster(
                            redis,
                            connections,
                            manager,
                            settings,
                            JsonMapper.builder().build(),
                            COMMAND_TIMEOUT)
                    .start();
        }

        @Override
        public void close() {
            cluster.close();
            manager.close();
            connections.destroy();
        }
    }

    private void awaitCluster() {
        boolean ok = waitUntil(
                Duration.ofSeconds(30),
                () -> a.cluster.connected()
                        && b.cluster.connected()
                        && a.cluster.peers().size() == 1
                        && b.cluster.peers().size() == 1
                        && a.cluster.pendingReplays() == 0
                        && b.cluster.pendingReplays() == 0);
        if (!ok) {
            throw new IllegalStateException("the cluster did not come (back) within 30 s");
        }
    }

    private void close() {
        for (AutoCloseable c : new AutoCloseable[] {a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // leaving
            }
        }
        if (alone != null) {
            alone.close();
        }
    }

    private static InterruptListener listener(Map<String, Long> heard) {
        return new InterruptListener() {
            @Override
            public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
                heard.putIfAbsent(cause.hardwareId(), System.nanoTime());
            }
        };
    }

    // ---- the faults ----------------------------------------------------------------------------------

    private Injected inject(Fault kind) throws Exception {
        if (!answersPing(redisPort)) {
            throw new IllegalStateException("Redis does not answer before " + kind);
        }
        return new Injected(kind);
    }

    /** One fault in force: injected, then confirmed by a PING of this program's own that gets no answer. */
    final class Injected implements AutoCloseable {
        final Fault kind;
        final long injectedAt;
        final long lastCallAt;
        private Process cli;
        private Thread restart;

        Injected(Fault kind) throws Exception {
            this.kind = kind;
            injectedAt = System.nanoTime();
            switch (kind) {
                case SLOW -> cli = cli("DEBUG", "SLEEP", Long.toString(kind.lasts.toSeconds()));
                case UNREACHABLE -> cli = cli("CLIENT", "PAUSE", Long.toString(kind.lasts.toMillis()), "ALL");
                case GONE -> {
                    long pid = Long.parseLong(Files.readString(redisPidFile).strip());
                    ProcessHandle.of(pid).ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().join();
                    });
                    restart = new Thread(this::restartRedis, "redis-restart");
                    restart.setDaemon(true);
                    restart.start();
                }
            }
            lastCallAt = injectedAt + kind.lasts.toNanos() - MARGIN_NANOS;
            if (!waitUntil(Duration.ofSeconds(1), () -> !answersPing(redisPort))) {
                throw new IllegalStateException(kind + " did not take effect: Redis still answers PING");
            }
        }

        private void restartRedis() {
            LockSupport.parkNanos(injectedAt + kind.lasts.toNanos() - System.nanoTime());
            try {
                Process redis = new ProcessBuilder(
                                "redis-server",
                                "--port",
                                Integer.toString(redisPort),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--daemonize",
                                "no",
                                "--loglevel",
                                "warning",
                                "--enable-debug-command",
                                "yes")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(
                                outDir.resolve("redis.log").toFile()))
                        .start();
                Files.writeString(redisPidFile, Long.toString(redis.pid()));
            } catch (IOException e) {
                throw new IllegalStateException("redis-server could not be started again", e);
            }
        }

        /** Waits until Redis answers PING again; returns when (System.nanoTime()). */
        long awaitOver() throws InterruptedException {
            if (restart != null) {
                restart.join();
            }
            long deadline = System.nanoTime() + kind.lasts.toNanos() + TimeUnit.SECONDS.toNanos(20);
            while (!answersPing(redisPort)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redis did not answer again after " + kind);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            return System.nanoTime();
        }

        @Override
        public void close() throws Exception {
            if (restart != null) {
                restart.join();
            }
            if (cli != null) {
                cli.waitFor(10, TimeUnit.SECONDS);
                cli.destroyForcibly();
            }
        }
    }

    private Process cli(String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(redisPort)));
        line.addAll(List.of(command));
        return new ProcessBuilder(line)
                .redirectErrorStream(true)
                .redirectOutput(new File("/dev/null"))
                .start();
    }

    /** A PING on a new connection, answered within 100 ms. */
    static boolean answersPing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 100);
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[7];
            int read = in.read(answer);
            return read > 0 && new String(answer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean waitUntil(Duration atMost, BooleanSupplier done) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }

    private static void pollPause() {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
    }

    private static void log(String what) {
        System.err.printf("[redis-faults %tT] %s%n", System.currentTimeMillis(), what);
    }

    // ---- the report --------------------------------------------------------------------------------

    private static long[] array(List<Long> samples) {
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    private static String ms(long nanos) {
        if (nanos == Long.MAX_VALUE) {
            return "never";
        }
        double ms = nanos / 1e6;
        return ms < 10 ? String.format(Locale.ROOT, "%.3f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    private static long p(List<Long> samples, double q) {
        long[] sorted = array(samples);
        java.util.Arrays.sort(sorted);
        return Stats.percentile(sorted, q);
    }

    private static String ratio(long value, long base) {
        return String.format(Locale.ROOT, "%.1f×", value / (double) Math.max(base, 1));
    }

    private String report(
            Map<String, Object> root,
            Rounds single,
            Rounds healthy,
            Map<Fault, Rounds> faulty,
            Map<Call, List<Long>> healthyCalls,
            Map<Call, Map<String, Integer>> healthyAnswers,
            Map<Call, List<Long>> stallCalls,
            Map<Call, Map<String, Integer>> stallAnswers,
            Map<Call, List<Long>> firstInStall,
            int stalls) {
        StringBuilder md = new StringBuilder();
        Map<String, Object> local = new LinkedHashMap<>();
        md.append("| Redis | rounds | `interrupt` returned p50 / p99 | `interruptStarted` p50 / p99 (max) | ")
                .append("`onInterrupt` p50 / p99 (max) | ratio p99 to one process, event / callback |\n")
                .append("|---|---|---|---|---|---|\n");
        long baseEvent = p(single.event, 0.99);
        long baseCallback = p(single.callback, 0.99);
        Map<String, Rounds> rows = new LinkedHashMap<>();
        rows.put("one process, no cluster (baseline)", single);
        rows.put("healthy", healthy);
        faulty.forEach((k, v) -> rows.put(k.label, v));
        rows.forEach((label, r) -> {
            md.append("| ")
                    .append(label)
                    .append(" | ")
                    .append(r.event.size())
                    .append(" | ")
                    .append(ms(p(r.returned, 0.5)))
                    .append(" / ")
                    .append(ms(p(r.returned, 0.99)))
                    .append(" | ")
                    .append(ms(p(r.event, 0.5)))
                    .append(" / ")
                    .append(ms(p(r.event, 0.99)))
                    .append(" (")
                    .append(ms(p(r.event, 1.0)))
                    .append(") | ")
                    .append(ms(p(r.callback, 0.5)))
                    .append(" / ")
                    .append(ms(p(r.callback, 0.99)))
                    .append(" (")
                    .append(ms(p(r.callback, 1.0)))
                    .append(") | ")
                    .append(ratio(p(r.event, 0.99), baseEvent))
                    .append(" / ")
                    .append(ratio(p(r.callback, 0.99), baseCallback))
                    .append(" |\n");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("returned", Stats.summary(array(r.returned)));
            row.put("interruptStarted", Stats.summary(array(r.event)));
            row.put("onInterrupt", Stats.summary(array(r.callback)));
            local.put(label, row);
        });
        root.put("localEvent", local);

        md.append("\n| call | healthy p50 / p99 | answers, healthy | during `DEBUG SLEEP 2` p50 / p99 (max) | ")
                .append("answers during the stall | first call of a stall | ratio p50 / p99 |\n")
                .append("|---|---|---|---|---|---|---|\n");
        Map<String, Object> calls = new LinkedHashMap<>();
        for (Call call : Call.values()) {
            List<Long> h = healthyCalls.get(call);
            List<Long> s = stallCalls.get(call);
            List<Long> f = firstInStall.getOrDefault(call, List.of());
            md.append("| ")
                    .append(call.label)
                    .append(" | ")
                    .append(ms(p(h, 0.5)))
                    .append(" / ")
                    .append(ms(p(h, 0.99)))
                    .append(" | ")
                    .append(answers(healthyAnswers.get(call)))
                    .append(" | ")
                    .append(ms(p(s, 0.5)))
                    .append(" / ")
                    .append(ms(p(s, 0.99)))
                    .append(" (")
                    .append(ms(p(s, 1.0)))
                    .append(") | ")
                    .append(answers(stallAnswers.get(call)))
                    .append(" | ")
                    .append(
                            f.isEmpty()
                                    ? "–"
                                    : f.stream()
                                            .map(RedisFaultLatency::ms)
                                            .reduce((x, y) -> x + ", " + y)
                                            .orElse(""))
                    .append(" | ")
                    .append(ratio(p(s, 0.5), p(h, 0.5)))
                    .append(" / ")
                    .append(ratio(p(s, 0.99), p(h, 0.99)))
                    .append(" |\n");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("healthy", Stats.summary(array(h)));
            row.put("healthyAnswers", healthyAnswers.get(call));
            row.put("stall", Stats.summary(array(s)));
            row.put("stallAnswers", stallAnswers.get(call));
            row.put("firstInStall_us", f.stream().map(Stats::micros).toList());
            calls.put(call.name(), row);
        }
        root.put("stalls", stalls);
        root.put("calls", calls);
        md.append("\nAfter the stalls, b's sessions of the devices paused and resumed on a during them (1.5 s after"
                        + " Redis answered again): ")
                .append(answers(afterStallOnB))
                .append(".\n");
        root.put("afterStallOnB", afterStallOnB);

        md.append("\n| after the fault | faults | Redis answers again → every device converged, median (range) | ")
                .append("→ first device converged, median | ratio median to healthy propagation p50 |\n")
                .append("|---|---|---|---|---|\n");
        long prop50 = p(healthy.propagation, 0.5);
        md.append(
                        "| healthy propagation (baseline): interrupt on a → b's session INTERRUPTED, same epoch on a and b | ")
                .append(healthy.propagation.size())
                .append(" rounds | p50 ")
                .append(ms(prop50))
                .append(", p99 ")
                .append(ms(p(healthy.propagation, 0.99)))
                .append(" | | 1× |\n");
        Map<String, Object> converge = new LinkedHashMap<>();
        converge.put("healthyPropagation", Stats.summary(array(healthy.propagation)));
        faulty.forEach((k, r) -> {
            if (r.convergeNanos.isEmpty()) {
                md.append("| ")
                        .append(k.label)
                        .append(" | ")
                        .append(r.notConverged)
                        .append(" | not converged | | |\n");
                return;
            }
            long med = p(r.convergeNanos, 0.5);
            md.append("| ")
                    .append(k.label)
                    .append(" | ")
                    .append(r.convergeNanos.size())
                    .append(r.notConverged > 0 ? " (+" + r.notConverged + " NOT converged in 20 s)" : "")
                    .append(" | ")
                    .append(ms(med))
                    .append(" (")
                    .append(ms(p(r.convergeNanos, 0.0001)))
                    .append("–")
                    .append(ms(p(r.convergeNanos, 1.0)))
                    .append(") | ")
                    .append(ms(p(r.firstConvergeNanos, 0.5)))
                    .append(" | ")
                    .append(ratio(med, prop50))
                    .append(" |\n");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("faults", r.convergeNanos.size());
            row.put("notConverged", r.notConverged);
            row.put("all_ms", r.convergeNanos.stream().map(n -> n / 1e6).toList());
            row.put("first_ms", r.firstConvergeNanos.stream().map(n -> n / 1e6).toList());
            converge.put(k.name(), row);
        });
        root.put("converge", converge);
        return md.toString();
    }

    private static String answers(Map<String, Integer> counts) {
        if (counts == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        counts.forEach((k, v) ->
                out.append(out.length() == 0 ? "" : ", ").append(v).append(' ').append(k));
        return out.toString();
    }
}
