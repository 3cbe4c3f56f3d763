package io.interrupthub.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.interrupthub.core.FlagStatus;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptHubException.Kind;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.MutableClock;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;
import io.interrupthub.core.StatisticsSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core as a state machine, checked against a small model after every step.
 *
 * <p>Random sequences of open (with and without an explicit epoch, generated and caller-chosen ids,
 * duplicates, ids that are not valid), heartbeat, end, interrupt, resetFlag, clock advance and sweep run
 * on a few devices with a {@link MutableClock}. After every step the manager must agree with the model on:
 * the active count and the cap, every session's visibility and state (never two states, never listed
 * twice), device epochs, flags ({@code shouldInterrupt}, {@code flagStatus}, {@code activeFlags}),
 * tracked devices, the statistics counters, and the bounded history; after every sweep no open session
 * is past its {@code sessionTimeout} and no interrupted one past its {@code cleanupDelay}.
 *
 * <p>jqwik is not used (see docs/RELIABILITY.md); the sequences come from seeded {@link Random}s and a
 * failing sequence is shrunk by delta debugging (removing chunks of steps while it still fails) before it
 * is reported, with its seed. Reproduce one: {@code -Dreliability.seed=<seed>}; more tries:
 * {@code -Dreliability.tries=<n>}.
 */
class CoreStateMachineTest {

    private static final long BASE_SEED = 0x1A7E_2026_1125L;
    private static final int DEFAULT_TRIES = 250;
    private static final String FAMILY = "core-state-machine";
    private static final List<String> INVALID_IDS =
            List.of("bad id", "", ".dot", "-dash", "a".repeat(129), "café", "a/b", "tab\t", "x\u0000");
    private static final List<String> POOL_IDS = List.of("s0", "s1", "s2", "s3", "s4", "s5");

    // ---- configurations ---------------------------------------------------------------------------------

    /** One shape of settings; each runs {@code tries} random sequences. */
    record Config(
            String name,
            int cap,
            long cleanupMs,
            long interruptTimeoutMs,
            long sessionTimeoutMs,
            int maxDevices,
            int devices,
            int historySize,
            Mutant mutant) {

        Config(
                String name,
                int cap,
                long cleanupMs,
                long interruptTimeoutMs,
                long sessionTimeoutMs,
                int maxDevices,
                int devices,
                int historySize) {
            this(
                    name,
                    cap,
                    cleanupMs,
                    interruptTimeoutMs,
                    sessionTimeoutMs,
                    maxDevices,
                    devices,
                    historySize,
                    Mutant.NONE);
        }

        Config with(Mutant m) {
            return new Config(
                    name + "+" + m,
                    cap,
                    cleanupMs,
                    interruptTimeoutMs,
                    sessionTimeoutMs,
                    maxDevices,
                    devices,
                    historySize,
                    m);
        }

        InterruptSettings settings() {
            return InterruptSettings.builder()
                    .checkInterval(Duration.ofMillis(100))
                    .interruptTimeout(Duration.ofMillis(interruptTimeoutMs))
                    .cleanupDelay(Duration.ofMillis(cleanupMs))
                    .maxActiveSessions(cap)
                    .sessionTimeout(Duration.ofMillis(sessionTimeoutMs))
                    .historySize(historySize)
                    .maxDevices(maxDevices)
                    .maxCallbacksPerSession(64)
                    .sweepInterval(Duration.ofMillis(250))
                    .moduleThreads(2)
                    .moduleQueueCapacity(16)
                    .build();
        }

        String device(int index) {
            return "dev-" + index;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Config> configs() {
        return Stream.of(
                new Config("cap3-defaults", 3, 2_000, 5_000, 30_000, 100, 3, 1000),
                new Config("cap1-no-cleanup-delay", 1, 0, 5_000, 30_000, 100, 3, 1000),
                new Config("cap100-no-pressure", 100, 2_000, 5_000, 30_000, 100, 3, 1000),
                new Config("device-cap2-of-4", 2, 2_000, 5_000, 30_000, 2, 4, 1000),
                new Config("short-timeout-long-cleanup-history5", 4, 10_000, 1_000, 3_000, 100, 3, 5));
    }

    /**
     * Deliberate bugs planted in the model, to show that the checks catch each kind of mistake and that the
     * shrinker brings the failure down to its essential steps (a test of the test).
     */
    enum Mutant {
        NONE,
        /** an interrupt leaves the device's sessions open */
        INTERRUPT_MISSES_SESSIONS,
        /** the sweep never expires a silent session */
        NO_EXPIRY,
        /** one more session than the cap is let in */
        CAP_OFF_BY_ONE,
        /** an interrupted session is never removed */
        NO_CLEANUP,
        /** opening a session leaves the device's flag set */
        OPEN_KEEPS_FLAG,
        /** a reclaimed device starts again at epoch 0 */
        EPOCH_RESETS_ON_RECLAIM
    }

    // ---- the operations (abstract, so a shrunk sequence still replays) ------------------------------------

    enum EpochChoice {
        NONE,
        CURRENT,
        BEHIND,
        AHEAD,
        ZERO,
        NEGATIVE
    }

    sealed interface Op permits Open, Heartbeat, End, Interrupt, Reset, Advance, Sweep {}

    /** device -1: an invalid hardwareId; idChoice -1: generated id, -2: an invalid id, else a pool id. */
    record Open(int device, int idChoice, EpochChoice epoch, int delta) implements Op {}

    /** ref -1: an id never opened; else an index (mod size) into the ids seen so far. */
    record Heartbeat(int ref) implements Op {}

    record End(int ref) implements Op {}

    /** reason 0: a normal reason, 1: none, 2: 257 characters, 3: a control character. */
    record Interrupt(int device, int reason) implements Op {}

    record Reset(int device) implements Op {}

    record Advance(long millis) implements Op {}

    record Sweep() implements Op {}

    static List<Op> generate(Random r, Config c) {
        int length = 40 + r.nextInt(120);
        List<Op> ops = new ArrayList<>(length);
        long[] jumps = {
            1,
            10,
            499,
            500,
            999,
            1_000,
            c.cleanupMs() - 1,
            c.cleanupMs(),
            c.cleanupMs() + 1,
            c.interruptTimeoutMs() - 1,
            c.interruptTimeoutMs(),
            c.interruptTimeoutMs() + 1,
            c.sessionTimeoutMs() - 1,
            c.sessionTimeoutMs(),
            c.sessionTimeoutMs() + 1
        };
        for (int i = 0; i < length; i++) {
            int pick = r.nextInt(100);
            int device = r.nextInt(25) == 0 ? -1 : r.nextInt(c.devices());
            if (pick < 30) {
                int id = r.nextInt(100);
                int idChoice = id < 50 ? -1 : id < 95 ? r.nextInt(POOL_IDS.size()) : -2;
                int e = r.nextInt(100);
                EpochChoice epoch = e < 50
                        ? EpochChoice.NONE
                        : e < 65
                                ? EpochChoice.CURRENT
                                : e < 80
                                        ? EpochChoice.BEHIND
                                        : e < 87 ? EpochChoice.AHEAD : e < 95 ? EpochChoice.ZERO : EpochChoice.NEGATIVE;
                ops.add(new Open(device, idChoice, epoch, 1 + r.nextInt(3)));
            } else if (pick < 42) {
                ops.add(new Heartbeat(r.nextInt(20) == 0 ? -1 : r.nextInt(1000)));
            } else if (pick < 52) {
                ops.add(new End(r.nextInt(20) == 0 ? -1 : r.nextInt(1000)));
            } else if (pick < 70) {
                int reason = r.nextInt(100);
                ops.add(new Interrupt(device, reason < 85 ? 0 : reason < 90 ? 1 : reason < 95 ? 2 : 3));
            } else if (pick < 75) {
                ops.add(new Reset(device));
            } else if (pick < 90) {
                long jump = r.nextInt(4) == 0
                        ? r.nextInt((int) (2 * c.sessionTimeoutMs()))
                        : jumps[r.nextInt(jumps.length)];
                ops.add(new Advance(Math.max(0, jump)));
            } else {
                ops.add(new Sweep());
            }
        }
        return ops;
    }

    // ---- the model ----------------------------------------------------------------------------------------

    static final class MSession {
        final String id;
        final String hw;
        final long epoch;
        final long createdAt;
        SessionState state = SessionState.ACTIVE;
        long lastHeartbeat;
        long removalAt;
        long removalSeq;
        Long interruptedAt;

        MSession(String id, String hw, long epoch, long now) {
            this.id = id;
            this.hw = hw;
            this.epoch = epoch;
            this.createdAt = now;
            this.lastHeartbeat = now;
        }
    }

    static final class MDevice {
        final String id;
        long epoch;
        Long flagSetAt;
        Long flagExpiresAt;
        final List<MSession> sessions = new ArrayList<>();

        MDevice(String id, long epoch) {
            this.id = id;
            this.epoch = epoch;
        }
    }

    /** What the model says a call must do: throw {@code kind}, or succeed. */
    record Expect(Kind kind, long epoch, int sessionsInterrupted, SessionState state) {
        static Expect fail(Kind kind) {
            return new Expect(kind, 0, 0, null);
        }

        static Expect ok() {
            return new Expect(null, 0, 0, null);
        }
    }

    static final class Model {
        final Config c;
        long now;
        long seq;
        final Map<String, MDevice> devices = new LinkedHashMap<>();
        final Map<Integer, Long> floors = new HashMap<>();
        final Map<String, MSession> tracked = new HashMap<>();
        long opened;
        long ended;
        long interrupted;
        long expired;
        long sessionsRejected;
        long interruptsSucceeded;
        long interruptsRejected;

        Model(Config c, long now) {
            this.c = c;
            this.now = now;
        }

        /** The same slot function as the device table: a reclaimed device comes back at its slot's floor. */
        static int slot(String id) {
            int h = id.hashCode();
            return (h ^ (h >>> 16)) & ((1 << 14) - 1);
        }

        static boolean valid(String id) {
            return id != null && id.matches("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
        }

        long currentEpoch(String hw) {
            MDevice d = devices.get(hw);
            return d != null ? d.epoch : floors.getOrDefault(slot(hw), 0L);
        }

        int active() {
            return (int) tracked.values().stream()
                    .filter(s -> s.state == SessionState.ACTIVE)
                    .count();
        }

        int lingering() {
            return (int) tracked.values().stream()
                    .filter(s -> s.state == SessionState.INTERRUPTED)
                    .count();
        }

        boolean flagActive(String hw) {
            MDevice d = devices.get(hw);
            return d != null && d.flagExpiresAt != null && now < d.flagExpiresAt;
        }

        MSession visible(String id) {
            MSession s = id == null ? null : tracked.get(id);
            if (s == null || (s.state == SessionState.INTERRUPTED && s.removalAt <= now)) {
                return null;
            }
            return s;
        }

        List<MSession> listed(String hw) {
            return tracked.values().stream()
                    .filter(s -> hw == null || s.hw.equals(hw))
                    .filter(s -> visible(s.id) != null)
                    .sorted(Comparator.comparingLong((MSession s) -> s.createdAt)
                            .reversed()
                            .thenComparing(s -> s.id))
                    .toList();
        }

        private MDevice create(String hw) {
            MDevice d = new MDevice(hw, floors.getOrDefault(slot(hw), 0L));
            devices.put(hw, d);
            return d;
        }

        private void untrack(MSession s) {
            tracked.remove(s.id);
            devices.get(s.hw).sessions.remove(s);
        }

        private void markInterrupted(MSession s) {
            s.state = SessionState.INTERRUPTED;
            s.interruptedAt = now;
            s.removalAt = now + c.cleanupMs();
            s.removalSeq = ++seq;
            interrupted++;
        }

        private MSession firstRemoval() {
            return tracked.values().stream()
                    .filter(s -> s.state == SessionState.INTERRUPTED)
                    .min(Comparator.comparingLong((MSession s) -> s.removalAt).thenComparingLong(s -> s.removalSeq))
                    .orElse(null);
        }

        /** Interrupted sessions beyond the cap are removed early, oldest removal first (contract rule 8). */
        private void trim() {
            while (lingering() > c.cap()) {
                untrack(firstRemoval());
            }
        }

        /** @param generatedId the id the manager generated, used when the model also says "opened" */
        Expect open(String hw, String sessionId, Long epoch, String generatedId) {
            if (!valid(hw) || (sessionId != null && !valid(sessionId)) || (epoch != null && epoch < 0)) {
                return Expect.fail(Kind.INVALID_INPUT);
            }
            if (active() >= c.cap() + (c.mutant() == Mutant.CAP_OFF_BY_ONE ? 1 : 0)) {
                sessionsRejected++;
                return Expect.fail(Kind.LIMIT_REACHED);
            }
            MDevice d = devices.get(hw);
            if (d == null && devices.size() >= c.maxDevices()) {
                return Expect.fail(Kind.LIMIT_REACHED);
            }
            // A refused open leaves no device behind (F11): the device exists only once a session is in it.
            long deviceEpoch = currentEpoch(hw);
            if (epoch != null && epoch > deviceEpoch) {
                return Expect.fail(Kind.CONFLICT);
            }
            if (sessionId != null && tracked.containsKey(sessionId)) {
                return Expect.fail(Kind.CONFLICT);
            }
            if (d == null) {
                d = create(hw);
            }
            String id = sessionId != null ? sessionId : Objects.requireNonNullElse(generatedId, "<missing>");
            long sessionEpoch = epoch == null ? d.epoch : epoch;
            MSession s = new MSession(id, hw, sessionEpoch, now);
            tracked.put(id, s);
            d.sessions.add(s);
            opened++;
            if (sessionEpoch < d.epoch) {
                markInterrupted(s);
                trim();
            } else if (c.mutant() != Mutant.OPEN_KEEPS_FLAG) {
                d.flagSetAt = null;
                d.flagExpiresAt = null;
            }
            return new Expect(null, sessionEpoch, 0, s.state);
        }

        Expect heartbeat(String id) {
            MSession s = visible(id);
            if (s == null) {
                return Expect.fail(Kind.NOT_FOUND);
            }
            if (s.state == SessionState.ACTIVE) {
                s.lastHeartbeat = now;
            }
            return new Expect(null, s.epoch, 0, s.state);
        }

        Expect end(String id) {
            MSession s = visible(id);
            if (s == null) {
                return Expect.fail(Kind.NOT_FOUND);
            }
            if (s.state == SessionState.ACTIVE) {
                s.state = SessionState.ENDED;
                ended++;
            }
            untrack(s);
            return Expect.ok();
        }

        Expect interrupt(String hw, String reason) {
            boolean badReason =
                    reason != null && (reason.length() > 256 || reason.chars().anyMatch(Character::isISOControl));
            if (!valid(hw) || badReason) {
                interruptsRejected++;
                return Expect.fail(Kind.INVALID_INPUT);
            }
            MDevice d = devices.get(hw);
            if (d == null) {
                if (devices.size() >= c.maxDevices()) {
                    interruptsRejected++;
                    return Expect.fail(Kind.LIMIT_REACHED);
                }
                d = create(hw);
            }
            d.epoch++;
            d.flagSetAt = now;
            d.flagExpiresAt = now + c.interruptTimeoutMs();
            int reached = 0;
            for (MSession s : d.sessions) {
                if (s.state == SessionState.ACTIVE
                        && s.epoch < d.epoch
                        && c.mutant() != Mutant.INTERRUPT_MISSES_SESSIONS) {
                    markInterrupted(s);
                    reached++;
                }
            }
            trim();
            interruptsSucceeded++;
            return new Expect(null, d.epoch, reached, null);
        }

        Expect reset(String hw) {
            if (!valid(hw)) {
                return Expect.fail(Kind.INVALID_INPUT);
            }
            MDevice d = devices.get(hw);
            if (d != null) {
                d.flagSetAt = null;
                d.flagExpiresAt = null;
            }
            return Expect.ok();
        }

        void sweep() {
            MSession first;
            while (c.mutant() != Mutant.NO_CLEANUP && (first = firstRemoval()) != null && first.removalAt <= now) {
                untrack(first);
            }
            for (MSession s : new ArrayList<>(tracked.values())) {
                if (c.mutant() != Mutant.NO_EXPIRY
                        && s.state == SessionState.ACTIVE
                        && s.lastHeartbeat + c.sessionTimeoutMs() <= now) {
                    s.state = SessionState.EXPIRED;
                    expired++;
                    untrack(s);
                }
            }
            for (MDevice d : new ArrayList<>(devices.values())) {
                if (d.sessions.isEmpty() && (d.flagExpiresAt == null || now >= d.flagExpiresAt)) {
                    devices.remove(d.id);
                    floors.merge(slot(d.id), c.mutant() == Mutant.EPOCH_RESETS_ON_RECLAIM ? 0 : d.epoch, Math::max);
                }
            }
        }
    }

    // ---- running a sequence against manager and model -------------------------------------------------------

    static final class Run implements AutoCloseable {
        final Config c;
        final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
        final InterruptManager manager;
        final Model model;
        final List<String> seenIds = new ArrayList<>();
        int step;
        long checks;

        Run(Config c) {
            this.c = c;
            this.manager = new InterruptManager(c.settings(), clock);
            this.model = new Model(c, clock.millis());
        }

        @Override
        public void close() {
            manager.close();
        }

        private String hw(int device) {
            return device < 0 ? INVALID_IDS.get(step % INVALID_IDS.size()) : c.device(device);
        }

        private String ref(int ref) {
            return ref < 0 || seenIds.isEmpty() ? "never-opened" : seenIds.get(ref % seenIds.size());
        }

        void apply(Op op) {
            step++;
            if (op instanceof Open o) {
                String hw = hw(o.device());
                String sid = o.idChoice() == -1
                        ? null
                        : o.idChoice() == -2 ? INVALID_IDS.get(step % INVALID_IDS.size()) : POOL_IDS.get(o.idChoice());
                long current = model.currentEpoch(Model.valid(hw) ? hw : "dev-0");
                Long epoch = switch (o.epoch()) {
                    case NONE -> null;
                    case CURRENT -> current;
                    case BEHIND -> Math.max(0, current - o.delta());
                    case AHEAD -> current + o.delta();
                    case ZERO -> 0L;
                    case NEGATIVE -> -(long) o.delta();
                };
                Session session = null;
                InterruptHubException error = null;
                try {
                    session = manager.openSession(hw, sid, epoch);
                } catch (InterruptHubException e) {
                    error = e;
                }
                Expect expect = model.open(hw, sid, epoch, session == null ? null : session.sessionId());
                compare(op, expect, error);
                if (session != null) {
                    if (!seenIds.contains(session.sessionId())) {
                        seenIds.add(session.sessionId());
                    }
                    require(
                            session.state() == expect.state(),
                            op,
                            "opened state " + session.state() + ", model " + expect.state());
                    require(
                            session.epoch() == expect.epoch(),
                            op,
                            "opened epoch " + session.epoch() + ", model " + expect.epoch());
                    require(session.hardwareId().equals(hw), op, "opened on " + session.hardwareId());
                }
            } else if (op instanceof Heartbeat h) {
                String id = ref(h.ref());
                SessionInfo info = null;
                InterruptHubException error = null;
                try {
                    info = manager.heartbeat(id);
                } catch (InterruptHubException e) {
                    error = e;
                }
                Expect expect = model.heartbeat(id);
                compare(op, expect, error);
                if (info != null) {
                    require(info.state() == expect.state(), op, "heartbeat answered state " + info.state());
                }
            } else if (op instanceof End e) {
                String id = ref(e.ref());
                InterruptHubException error = null;
                try {
                    manager.endSession(id);
                } catch (InterruptHubException ex) {
                    error = ex;
                }
                compare(op, model.end(id), error);
            } else if (op instanceof Interrupt i) {
                String hw = hw(i.device());
                String reason = switch (i.reason()) {
                    case 0 -> "user_barge_in";
                    case 1 -> null;
                    case 2 -> "r".repeat(257);
                    default -> "bad\u0007reason";
                };
                InterruptResult result = null;
                InterruptHubException error = null;
                try {
                    result = manager.interrupt(hw, reason).get(5, TimeUnit.SECONDS);
                } catch (InterruptHubException ex) {
                    error = ex;
                } catch (Exception ex) {
                    throw new AssertionError("interrupt did not complete: " + ex, ex);
                }
                Expect expect = model.interrupt(hw, reason);
                compare(op, expect, error);
                if (result != null) {
                    require(
                            result.epoch() == expect.epoch(),
                            op,
                            "result epoch " + result.epoch() + ", model " + expect.epoch());
                    require(
                            result.sessionsInterrupted() == expect.sessionsInterrupted(),
                            op,
                            "sessionsInterrupted " + result.sessionsInterrupted() + ", model "
                                    + expect.sessionsInterrupted());
                    require(result.success(), op, "no module can fail here, yet success=false");
                }
            } else if (op instanceof Reset r) {
                String hw = hw(r.device());
                InterruptHubException error = null;
                try {
                    manager.resetFlag(hw);
                } catch (InterruptHubException ex) {
                    error = ex;
                }
                compare(op, model.reset(hw), error);
            } else if (op instanceof Advance a) {
                clock.advance(Duration.ofMillis(a.millis()));
                model.now += a.millis();
            } else if (op instanceof Sweep s) {
                manager.sweep();
                model.sweep();
                checkSweptInvariants(op);
            }
            checkAgainstModel(op);
        }

        private void compare(Op op, Expect expect, InterruptHubException error) {
            Kind actual = error == null ? null : error.kind();
            require(
                    Objects.equals(actual, expect.kind()),
                    op,
                    "outcome " + (actual == null ? "success" : actual)
                            + (error == null ? "" : " (" + error.getMessage() + ")") + ", model says "
                            + (expect.kind() == null ? "success" : expect.kind()));
        }

        private void require(boolean condition, Op op, String what) {
            checks++;
            if (!condition) {
                throw new AssertionError("step " + step + " " + op + ": " + what);
            }
        }

        /** Independent of the model: what must hold right after any sweep. */
        private void checkSweptInvariants(Op op) {
            long now = clock.millis();
            for (SessionInfo s : manager.sessions(null, 1000)) {
                if (s.state() == SessionState.ACTIVE) {
                    require(
                            s.expiresAt().toEpochMilli() > now,
                            op,
                            "open session " + s.sessionId() + " outlived its sessionTimeout after a sweep");
                } else {
                    require(
                            s.interruptedAt().toEpochMilli() + c.cleanupMs() > now,
                            op,
                            "interrupted session " + s.sessionId() + " outlived its cleanupDelay");
                }
            }
            require(
                    manager.statistics().sessions().interruptedPendingRemoval() == model.lingering(),
                    op,
                    "interrupted sessions pending removal after sweep");
        }

        void checkAgainstModel(Op op) {
            long now = clock.millis();
            require(
                    manager.activeSessions() == model.active(),
                    op,
                    "activeSessions " + manager.activeSessions() + ", model " + model.active());
            require(
                    manager.activeSessions() <= c.cap(),
                    op,
                    "cap " + c.cap() + " exceeded: " + manager.activeSessions());

            // every session ever seen: visible or not, and in which state
            for (String id : seenIds) {
                Optional<Session> actual = manager.session(id);
                MSession expected = model.visible(id);
                require(
                        actual.isPresent() == (expected != null),
                        op,
                        "session " + id + " visible=" + actual.isPresent() + ", model " + (expected != null));
                if (expected != null) {
                    SessionInfo info = actual.get().info();
                    require(
                            info.state() == expected.state,
                            op,
                            "session " + id + " state " + info.state() + ", model " + expected.state);
                    require(info.epoch() == expected.epoch, op, "session " + id + " epoch " + info.epoch());
                    require(
                            info.hardwareId().equals(expected.hw),
                            op,
                            "session " + id + " device " + info.hardwareId());
                    require(
                            info.lastHeartbeatAt().toEpochMilli() == expected.lastHeartbeat,
                            op,
                            "session " + id + " lastHeartbeatAt " + info.lastHeartbeatAt());
                    require(
                            info.expiresAt().toEpochMilli() == expected.lastHeartbeat + c.sessionTimeoutMs(),
                            op,
                            "session " + id + " expiresAt " + info.expiresAt());
                    require(
                            Objects.equals(
                                    info.interruptedAt() == null
                                            ? null
                                            : info.interruptedAt().toEpochMilli(),
                                    expected.interruptedAt),
                            op,
                            "session " + id + " interruptedAt " + info.interruptedAt());
                }
            }

            // lists: same sessions, same order, each once, only ACTIVE or INTERRUPTED
            checkList(op, null, manager.sessions(null, 1000));
            List<String> expectedTwo =
                    model.listed(null).stream().limit(2).map(s -> s.id).toList();
            require(
                    manager.sessions(null, 2).stream()
                            .map(SessionInfo::sessionId)
                            .toList()
                            .equals(expectedTwo),
                    op,
                    "sessions(limit=2)");

            long flags = 0;
            for (int d = 0; d < c.devices(); d++) {
                String hw = c.device(d);
                checkList(op, hw, manager.sessions(hw, 1000));
                FlagStatus flag = manager.flagStatus(hw);
                boolean expectedFlag = model.flagActive(hw);
                flags += expectedFlag ? 1 : 0;
                require(
                        flag.epoch() == model.currentEpoch(hw),
                        op,
                        hw + " epoch " + flag.epoch() + ", model " + model.currentEpoch(hw));
                require(
                        flag.interrupted() == expectedFlag,
                        op,
                        hw + " flag " + flag.interrupted() + ", model " + expectedFlag);
                require(manager.shouldInterrupt(hw) == expectedFlag, op, hw + " shouldInterrupt");
                if (expectedFlag) {
                    MDevice md = model.devices.get(hw);
                    require(
                            flag.setAt().equals(Instant.ofEpochMilli(md.flagSetAt))
                                    && flag.expiresAt().equals(Instant.ofEpochMilli(md.flagExpiresAt)),
                            op,
                            hw + " flag times");
                }
            }
            require(manager.activeFlags() == flags, op, "activeFlags " + manager.activeFlags() + ", model " + flags);
            require(
                    manager.trackedDevices() == model.devices.size(),
                    op,
                    "trackedDevices " + manager.trackedDevices() + ", model " + model.devices.keySet());

            StatisticsSnapshot stats = manager.statistics();
            StatisticsSnapshot.Sessions s = stats.sessions();
            require(s.active() == model.active() && s.maxActive() == c.cap(), op, "statistics sessions.active");
            require(
                    s.interruptedPendingRemoval() == model.lingering(),
                    op,
                    "interruptedPendingRemoval " + s.interruptedPendingRemoval() + ", model " + model.lingering());
            require(
                    s.opened() == model.opened
                            && s.ended() == model.ended
                            && s.interrupted() == model.interrupted
                            && s.expired() == model.expired
                            && s.rejected() == model.sessionsRejected,
                    op,
                    "session counters " + s + ", model opened=" + model.opened + " ended=" + model.ended
                            + " interrupted=" + model.interrupted + " expired=" + model.expired + " rejected="
                            + model.sessionsRejected);
            StatisticsSnapshot.Interrupts i = stats.interrupts();
            require(
                    i.succeeded() == model.interruptsSucceeded
                            && i.failed() == 0
                            && i.coalesced() == 0
                            && i.rejected() == model.interruptsRejected
                            && i.total() == model.interruptsSucceeded + model.interruptsRejected,
                    op,
                    "interrupt counters " + i);
            require(
                    stats.flags().active() == flags && stats.flags().devicesTracked() == model.devices.size(),
                    op,
                    "statistics flags " + stats.flags());
            require(
                    manager.history(null, 1000).size() == Math.min(model.interruptsSucceeded, c.historySize()),
                    op,
                    "history size " + manager.history(null, 1000).size());
            require(now == model.now, op, "clock");
        }

        private void checkList(Op op, String hw, List<SessionInfo> actual) {
            List<String> ids = actual.stream().map(SessionInfo::sessionId).toList();
            require(ids.stream().distinct().count() == ids.size(), op, "a session listed twice: " + ids);
            require(
                    actual.stream()
                            .allMatch(
                                    si -> si.state() == SessionState.ACTIVE || si.state() == SessionState.INTERRUPTED),
                    op,
                    "a listed session that is neither open nor interrupted");
            List<String> expected =
                    model.listed(hw).stream().map(ms -> ms.id + ":" + ms.state).toList();
            List<String> got =
                    actual.stream().map(si -> si.sessionId() + ":" + si.state()).toList();
            require(got.equals(expected), op, "sessions(" + hw + ") " + got + ", model " + expected);
        }
    }

    /** Runs a sequence; null when every step agreed with the model, else the first disagreement. */
    static AssertionError runSequence(Config config, List<Op> ops, long[] stepsAndChecks) {
        try (Run run = new Run(config)) {
            try {
                run.checkAgainstModel(new Sweep());
                for (Op op : ops) {
                    run.apply(op);
                }
                return null;
            } catch (AssertionError e) {
                return e;
            } finally {
                stepsAndChecks[0] += run.step;
                stepsAndChecks[1] += run.checks;
            }
        }
    }

    /** Delta debugging: drop chunks of steps while the sequence still fails; bounded so a report stays quick. */
    static List<Op> shrink(Config config, List<Op> failing) {
        List<Op> current = failing;
        int attempts = 0;
        int chunk = Math.max(1, current.size() / 2);
        while (chunk >= 1 && attempts < 3_000) {
            boolean removedAny = false;
            for (int start = 0; start < current.size() && attempts < 3_000; ) {
                List<Op> candidate = new ArrayList<>(current.subList(0, start));
                candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
                attempts++;
                if (!candidate.isEmpty() && runSequence(config, candidate, new long[2]) != null) {
                    current = candidate;
                    removedAny = true;
                } else {
                    start += chunk;
                }
            }
            if (!removedAny) {
                chunk /= 2;
            }
        }
        return current;
    }

    @AfterAll
    static void report() {
        Tally.print(FAMILY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void managerAgreesWithTheModelAfterEveryStep(Config config) {
        Long fixed = Long.getLong("reliability.seed");
        int tries = fixed != null ? 1 : Integer.getInteger("reliability.tries", DEFAULT_TRIES);
        int index = configs().map(Config::name).toList().indexOf(config.name());
        long[] stepsAndChecks = new long[2];
        for (int t = 0; t < tries; t++) {
            long seed = fixed != null ? fixed : new Random(BASE_SEED + 1_000_003L * index + t).nextLong();
            List<Op> ops = generate(new Random(seed), config);
            AssertionError failure = runSequence(config, ops, stepsAndChecks);
            Tally.inc(FAMILY, "sequences");
            if (failure != null) {
                List<Op> shrunk = shrink(config, ops);
                AssertionError minimal = runSequence(config, shrunk, new long[2]);
                StringBuilder message = new StringBuilder("config ")
                        .append(config.name())
                        .append(", seed ")
                        .append(seed)
                        .append(" (replay: -Dreliability.seed=")
                        .append(seed)
                        .append(")\nfirst failure: ")
                        .append(failure.getMessage())
                        .append("\nshrunk from ")
                        .append(ops.size())
                        .append(" to ")
                        .append(shrunk.size())
                        .append(" steps:\n");
                shrunk.forEach(op -> message.append("  ").append(op).append('\n'));
                message.append("shrunk failure: ")
                        .append(minimal == null ? "(does not fail alone)" : minimal.getMessage());
                throw new AssertionError(message.toString(), failure);
            }
        }
        Tally.add(FAMILY, "steps", stepsAndChecks[0]);
        Tally.add(FAMILY, "checks", stepsAndChecks[1]);
    }

    /**
     * A test of the test: each bug planted in the model is caught within the normal tries, and the failing
     * sequence shrinks to a handful of steps, so a real failure would be reported readably.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("mutants")
    void everyPlantedBugIsCaughtAndShrunk(Mutant mutant) {
        Config config = configs().findFirst().orElseThrow().with(mutant);
        List<Op> caught = null;
        for (int t = 0; t < DEFAULT_TRIES && caught == null; t++) {
            List<Op> ops = generate(new Random(BASE_SEED + t), config);
            if (runSequence(config, ops, new long[2]) != null) {
                caught = ops;
            }
        }
        assertThat(caught).as("planted bug %s caught", mutant).isNotNull();
        List<Op> shrunk = shrink(config, caught);
        assertThat(runSequence(config, shrunk, new long[2]))
                .as("the shrunk sequence still fails")
                .isNotNull();
        assertThat(shrunk.size())
                .as("shrunk from %s steps to %s", caught.size(), shrunk)
                .isLessThanOrEqualTo(6);
        Tally.inc(FAMILY, "planted-bugs-caught");
        System.out.println("[reliability] planted " + mutant + ": " + caught.size() + " steps shrunk to " + shrunk);
    }

    static Stream<Mutant> mutants() {
        return Stream.of(Mutant.values()).filter(m -> m != Mutant.NONE);
    }
}
