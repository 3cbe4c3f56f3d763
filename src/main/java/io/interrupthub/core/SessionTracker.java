package io.interrupthub.core;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Sessions indexed by id and by device, with the hard cap, heartbeat expiry and delayed removal
 * of interrupted sessions.
 *
 * <p>Every session sits in exactly one time-ordered queue of the {@link SessionQueue} while it is tracked:
 * open sessions by the instant they would expire (checked lazily, so a heartbeat costs one volatile write
 * and no queue operation), interrupted sessions by the instant they are removed. So the sweep only touches
 * what is due, memory is proportional to tracked sessions, never to traffic, and neither costs more with
 * more sessions.
 */
final class SessionTracker {

    /** Sessions that an interrupt just reached, with the callbacks to run once the device lock is released. */
    record Reached(Session session, List<Consumer<InterruptCause>> callbacks) {}

    /** Side effects one session may commit; a turn has a handful, so this only stops a runaway caller. */
    static final int MAX_COMMITS_PER_SESSION = 64;

    private final Commits commits;

    private final DeviceTable devices;
    private final Clock clock;
    private final SilenceWatch silences;
    private final InterruptSettings settings;
    /** Told of every session that changed; builds the {@link SessionInfo} only when someone listens. */
    private final Consumer<Session> events;

    private volatile ClusterLink link = ClusterLink.LOCAL;

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    /** Open sessions by expiry, interrupted ones by removal; package-private for tests that count its entries. */
    final SessionQueue queues;

    final LongAdder opened = new LongAdder();
    final LongAdder ended = new LongAdder();
    final LongAdder interrupted = new LongAdder();
    final LongAdder expired = new LongAdder();
    final LongAdder rejected = new LongAdder();

    SessionTracker(
            DeviceTable devices,
            Clock clock,
            InterruptSettings settings,
            Consumer<Session> events,
            SilenceWatch silences) {
        this.devices = devices;
        this.silences = silences;
        this.clock = clock;
        this.settings = settings;
        this.events = events;
        this.commits = new Commits(devices, clock, settings, events, this::tracked);
        this.queues = new SessionQueue(
                devices,
                settings,
                (device, s) -> finishLocked(device, s, SessionState.EXPIRED, expired),
                this::detach,
                events);
    }

    void link(ClusterLink link) {
        this.link = link;
        commits.link(link);
    }

    int activeCount() {
        return queues.active();
    }

    int lingeringCount() {
        return queues.lingering();
    }

    int trackedCount() {
        return byId.size();
    }

    Session open(String hardwareId, String requestedId, Long requestedEpoch) {
        return open(hardwareId, requestedId, requestedEpoch, false);
    }

    /** {@code joinPause}: born paused when the device is paused now (in the current turn), else active. */
    Session open(String hardwareId, String requestedId, Long requestedEpoch, boolean joinPause) {
        HardwareIds.require(hardwareId, "hardwareId");
        String sessionId = requestedId == null ? randomId() : HardwareIds.require(requestedId, "sessionId");
        if (requestedEpoch != null && requestedEpoch < 0) {
            throw new InterruptHubException(InterruptHubException.Kind.INVALID_INPUT, "epoch must not be negative");
        }
        if (!queues.reserve()) {
            rejected.increment();
            throw new InterruptHubException(
                    InterruptHubException.Kind.LIMIT_REACHED,
                    settings.maxActiveSessions() + " sessions are open, the limit set by MAX_ACTIVE_SESSIONS");
        }
        ClusterLink cluster = link;
        ClusterLink.Admission admission;
        try {
            // One process asks nobody, and reads no epoch for it: this is every session open's path.
            admission = cluster == ClusterLink.LOCAL
                    ? ClusterLink.Admission.UNKNOWN_EPOCH
                    : cluster.admit(sessionId, hardwareId, devices.currentEpoch(hardwareId));
        } catch (RuntimeException e) {
            queues.release();
            throw e;
        }
        if (!(admission instanceof ClusterLink.Admission.Admitted admitted)) {
            queues.release();
            if (admission instanceof ClusterLink.Admission.Duplicate) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.CONFLICT, "session " + sessionId + " already exists");
            }
            rejected.increment();
            throw new InterruptHubException(
                    InterruptHubException.Kind.LIMIT_REACHED,
                    settings.maxActiveSessions()
                            + " sessions are open across the cluster, the limit set by MAX_ACTIVE_SESSIONS");
        }
        // Decided under the device lock: an interrupt may reach the new session the moment the lock is
        // released, and it gives the slot back itself.
        boolean[] bornActive = {false};
        boolean[] opened = {false};
        try {
            boolean provisional =
                    cluster != ClusterLink.LOCAL && admitted.epoch().isEmpty();
            Session session = devices.withDevice(hardwareId, device -> {
                // The cluster's epoch, read as the session was admitted: an interrupt another instance issued may not
                // have reached this one yet, and the new turn must belong to the newer epoch.
                admitted.epoch().ifPresent(device::adopt);
                Session born = openLocked(device, sessionId, requestedEpoch, joinPause);
                born.provisional = provisional;
                bornActive[0] = born.state().isOpen();
                return born;
            });
            opened[0] = true;
            if (!bornActive[0]) {
                trimLingering(); // a session born interrupted waits for removal like any other
            }
            events.accept(session);
            return session;
        } finally {
            if (!bornActive[0]) {
                queues.release();
            }
            if (!opened[0]) {
                cluster.withdraw(sessionId);
            }
        }
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: {@link UUID#randomUUID()} draws from one
     * shared {@code SecureRandom}, which costs more than the rest of an open and serialises concurrent
     * opens. Session ids are names, not secrets: any caller allowed to use the API can list them.
     */
    static String randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    private Session openLocked(Device device, String sessionId, Long requestedEpoch, boolean joinPause) {
        long current = device.epoch();
        if (requestedEpoch != null && requestedEpoch > current) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT,
                    "epoch " + requestedEpoch + " is ahead of device " + device.hardwareId + ", whose epoch is "
                            + current);
        }
        Instant now = clock.instant();
        long epoch = requestedEpoch == null ? current : requestedEpoch;
        Session session = new Session(
                sessionId,
                device.hardwareId,
                epoch,
                now,
                settings.sessionTimeout(),
                settings.maxCallbacksPerSession(),
                this);
        if (byId.putIfAbsent(sessionId, session) != null) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT, "session " + sessionId + " already exists");
        }
        device.opened(session, epoch >= current);
        opened.increment();
        if (epoch < current) {
            // Work planned for a turn that an interrupt has already ended: it must never stream.
            markInterrupted(session, new InterruptCause(device.hardwareId, current, "stale_epoch", null, now));
        } else {
            devices.setFlag(device, null);
            queues.opened(session);
            OpenPause pause = device.pause();
            if (joinPause && pause != null && !pause.expiring && session.markPaused() != null) {
                // Its pause callbacks cannot exist yet: the caller has not had the handle.
                pause.snapshot = pause.snapshot.withSession(sessionId);
            }
        }
        return session;
    }

    /**
     * Interrupts the device's open sessions older than the cause's epoch. Caller holds the device lock.
     * A {@code remote} interrupt (numbered by another instance) also stops every session opened here while
     * the cluster was out of reach, whatever its epoch: that number was made up locally (from a floor that
     * hashed ids may have pushed up), so it says nothing about which came first. Later signals always carry
     * a higher epoch, since the reconnect publishes these sessions' epochs to the cluster.
     */
    List<Reached> interruptLocked(Device device, InterruptCause cause, boolean remote) {
        List<Reached> reached = new ArrayList<>(device.sessions().size());
        for (Session session : device.sessions()) {
            boolean older = session.epoch() < cause.epoch() || (remote && session.provisional);
            if (session.state().isOpen() && older) {
                queues.closed(session); // gives its slot back
                reached.add(new Reached(session, markInterrupted(session, cause)));
            }
        }
        return reached;
    }

    private List<Consumer<InterruptCause>> markInterrupted(Session session, InterruptCause cause) {
        queues.interrupted(session, cause.at().toEpochMilli()); // first: readers of INTERRUPTED read its removal time
        List<Consumer<InterruptCause>> callbacks = session.markInterrupted(cause);
        interrupted.increment();
        return callbacks;
    }

    /** Beyond the session cap, removes the oldest interrupted sessions before their delay ({@link SessionQueue}). */
    void trimLingering() {
        queues.trimLingering();
    }

    /** The session as a client may see it: an interrupted one past its removal time is already gone. */
    Session find(String sessionId) {
        Session session = byId.get(sessionId);
        return session == null || SessionQueue.removedBy(session, clock.millis()) ? null : session;
    }

    Session require(String sessionId) {
        Session session = sessionId == null ? null : find(sessionId);
        if (session == null) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId);
        }
        return session;
    }

    SessionInfo heartbeat(String sessionId) {
        Session session = require(sessionId);
        SessionInfo info = devices.withExistingDevice(
                session.hardwareId(),
                device -> {
                    SessionState state = session.state();
                    if (state.isOpen()) {
                        session.heartbeat(clock.instant());
                        return session.info();
                    } else if (state != SessionState.INTERRUPTED) {
                        return null; // ended or expired since it was looked up: as gone as if it had never been found
                    }
                    return session.info();
                },
                null);
        if (info == null) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId);
        }
        if (info.state().isOpen()) {
            // After the lock: the cluster's copy is kept alive by a queued write, which refuses to bring back a
            // session whose release an interrupt wrote meanwhile.
            link.heartbeat(info);
        }
        return info;
    }

    /**
     * The edge's stop receipt, under the device lock so that it cannot fall between an interrupt marking
     * the session and that interrupt starting to await its silence. Returns null when the session is gone.
     */
    SessionInfo stopped(Session session, Long textChars, Long audioMs) {
        Delivered finalOffsets = null;
        if (textChars != null || audioMs != null) {
            Delivered reported = session.delivered();
            finalOffsets = new Delivered(
                    textChars == null ? reported.textChars() : textChars,
                    audioMs == null ? reported.audioMs() : audioMs);
        }
        SessionInfo info = stopped(session, finalOffsets);
        if (info == null) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + session.sessionId());
        }
        return info;
    }

    SessionInfo stopped(Session session, Delivered finalOffsets) {
        InterruptSilence[] silence = {null};
        SilenceReport[] resolution = {null};
        boolean[] first = {false};
        SessionInfo info = devices.withExistingDevice(
                session.hardwareId(),
                device -> {
                    if (!tracked(session)) {
                        return null;
                    }
                    Instant now = clock.instant();
                    first[0] = session.markStopped(now, finalOffsets);
                    if (first[0]) {
                        silence[0] = session.silence;
                        resolution[0] = silences.confirm(session, now, finalOffsets);
                    }
                    return session.info();
                },
                null);
        if (first[0]) {
            if (silence[0] != null) {
                silences.settle(silence[0], resolution[0]);
            }
            events.accept(session);
        }
        return info;
    }

    Commit commit(Session session, String action) {
        return commits.commit(session, action);
    }

    /** Commit decisions, for metrics: committed, refused. */
    long commits(String outcome) {
        return switch (outcome) {
            case "committed" -> commits.committed.sum();
            case "refused" -> commits.refused.sum();
            default -> throw new IllegalArgumentException("unknown commit outcome " + outcome);
        };
    }

    /**
     * Under the device lock: its active sessions become PAUSED. Returns them with the pause callbacks to
     * run once the lock is released.
     */
    List<Held> pauseLocked(Device device) {
        return holdLocked(device, Session::markPaused);
    }

    /** Under the device lock: its paused sessions become ACTIVE again, with the resume callbacks to run. */
    List<Held> resumeLocked(Device device) {
        return holdLocked(device, Session::markResumed);
    }

    /** The sessions that {@code mark} changed (it returns their callbacks, or null when it left one as it was). */
    private static List<Held> holdLocked(Device device, Function<Session, List<Consumer<Pause>>> mark) {
        List<Held> held = new ArrayList<>(device.sessions().size());
        for (Session session : device.sessions()) {
            List<Consumer<Pause>> due = mark.apply(session);
            if (due != null) {
                held.add(new Held(session, due));
            }
        }
        return held;
    }

    /** A session a pause held or released, with the callbacks to run after the device lock. */
    record Held(Session session, List<Consumer<Pause>> callbacks) {}

    /** Still in the tracker: neither ended, expired nor removed after its interrupt. Caller holds the device lock. */
    boolean tracked(Session session) {
        SessionState state = session.state();
        return byId.get(session.sessionId()) == session && (state.isOpen() || state == SessionState.INTERRUPTED);
    }

    void end(String sessionId) {
        Session session = require(sessionId);
        InterruptSilence[] silence = {null};
        SilenceReport[] resolution = {null};
        boolean changed = devices.withExistingDevice(
                session.hardwareId(),
                device -> {
                    if (session.state().isOpen()) {
                        queues.closed(session);
                        finishLocked(device, session, SessionState.ENDED, ended);
                        return true;
                    }
                    if (session.state() == SessionState.INTERRUPTED && queues.removeInterrupted(session)) {
                        detach(device, session);
                        // An ended session is silent: it counts for its interrupt as a stop receipt would.
                        if (session.stoppedAt().isEmpty()) {
                            silence[0] = session.silence;
                            resolution[0] = silences.confirm(session, clock.instant(), null);
                        }
                    }
                    return false;
                },
                false);
        if (silence[0] != null) {
            silences.settle(silence[0], resolution[0]);
        }
        if (changed) {
            events.accept(session);
        }
    }

    /** Counts by session event, for metrics: opened, ended, interrupted, expired, rejected. */
    long events(String event) {
        return switch (event) {
            case "opened" -> opened.sum();
            case "ended" -> ended.sum();
            case "interrupted" -> interrupted.sum();
            case "expired" -> expired.sum();
            case "rejected" -> rejected.sum();
            default -> throw new IllegalArgumentException("unknown session event " + event);
        };
    }

    StatisticsSnapshot.Sessions snapshot() {
        return new StatisticsSnapshot.Sessions(
                activeCount(),
                settings.maxActiveSessions(),
                lingeringCount(),
                opened.sum(),
                ended.sum(),
                interrupted.sum(),
                expired.sum(),
                rejected.sum());
    }

    /** This instance's sessions and {@code remote} ones (other instances'), newest first, each id once. */
    List<SessionInfo> listWith(List<SessionInfo> remote, String hardwareId, int limit) {
        List<SessionInfo> local = list(hardwareId, limit);
        if (remote.isEmpty()) {
            return local;
        }
        Set<String> ids = new HashSet<>();
        local.forEach(s -> ids.add(s.sessionId()));
        return Stream.concat(local.stream(), remote.stream().filter(s -> ids.add(s.sessionId())))
                .sorted(Comparator.comparing(SessionInfo::createdAt).reversed().thenComparing(SessionInfo::sessionId))
                .limit(limit)
                .toList();
    }

    List<SessionInfo> list(String hardwareId, int limit) {
        List<Session> candidates;
        if (hardwareId != null) {
            candidates =
                    devices.withExistingDevice(hardwareId, device -> new ArrayList<>(device.sessions()), List.of());
        } else {
            candidates = ConcurrentMaps.currentValues(byId, Session::sessionId);
        }
        long now = clock.millis();
        return candidates.stream()
                .filter(s -> s.state().isOpen()
                        || (s.state() == SessionState.INTERRUPTED && !SessionQueue.removedBy(s, now)))
                .sorted(Comparator.comparing(Session::createdAt).reversed().thenComparing(Session::sessionId))
                .limit(limit)
                .map(Session::info)
                .toList();
    }

    /** Removes interrupted sessions whose delay has passed and expires silent ones. */
    void sweep(long nowMillis) {
        queues.sweep(nowMillis);
    }

    /** An open session, out of the expiries already (its slot given back), ends or expires. Device lock. */
    private void finishLocked(Device device, Session session, SessionState state, LongAdder count) {
        detach(device, session);
        session.markFinished(state);
        count.increment();
    }

    private void detach(Device device, Session session) {
        device.left(session);
        byId.remove(session.sessionId(), session);
        devices.mayBeIdle(device);
    }

    /** Devices that hold at least one open session, for interrupt-all. */
    List<String> devicesWithOpenSessions() {
        return byId.values().stream()
                .filter(s -> s.state().isOpen())
                .map(Session::hardwareId)
                .distinct()
                .toList();
    }
}
