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
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Sessions indexed by id and by device, with the hard cap, heartbeat expiry and delayed removal
 * of interrupted sessions.
 *
 * <p>Every session sits in exactly one time-ordered queue while it is tracked: open sessions by the
 * instant they would expire (checked lazily, so a heartbeat costs one volatile write and no queue
 * operation), interrupted sessions by the instant they are removed. So the sweep only touches what is
 * due and memory is proportional to tracked sessions, never to traffic.
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
    private final ConcurrentSkipListMap<Deadline, Session> expiries = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Deadline, Session> removals = new ConcurrentSkipListMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger lingering = new AtomicInteger();

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
    }

    void link(ClusterLink link) {
        this.link = link;
        commits.link(link);
    }

    int activeCount() {
        return active.get();
    }

    int lingeringCount() {
        return lingering.get();
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
        if (!reserveSlot()) {
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
            active.decrementAndGet();
            throw e;
        }
        if (!(admission instanceof ClusterLink.Admission.Admitted admitted)) {
            active.decrementAndGet();
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
                admitted.epoch().ifPresent(clusterEpoch -> adoptClusterEpoch(device, clusterEpoch));
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
                active.decrementAndGet();
            }
            if (!opened[0]) {
                cluster.withdraw(sessionId);
            }
        }
    }

    /**
     * The cluster's epoch for the device, read as the session was admitted: an interrupt that another
     * instance issued may not have reached this one yet, and the new turn must belong to the newer epoch.
     */
    private static void adoptClusterEpoch(Device device, long clusterEpoch) {
        device.epoch = Math.max(device.epoch, clusterEpoch);
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

    /** Takes a slot only while fewer than the cap are taken, so the count never reads above the cap. */
    private boolean reserveSlot() {
        int max = settings.maxActiveSessions();
        while (true) {
            int current = active.get();
            if (current >= max) {
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    private Session openLocked(Device device, String sessionId, Long requestedEpoch, boolean joinPause) {
        long current = device.epoch;
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
        device.sessions.add(session);
        opened.increment();
        if (epoch < current) {
            // Work planned for a turn that an interrupt has already ended: it must never stream.
            markInterrupted(
                    session,
                    new InterruptCause(device.hardwareId, current, "stale_epoch", null, now),
                    now.toEpochMilli());
        } else {
            devices.setFlag(device, null);
            device.openedSinceInterrupt = true;
            session.deadline = Deadline.at(session.expiresAt().toEpochMilli());
            expiries.put(session.deadline, session);
            OpenPause pause = device.pause;
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
        List<Reached> reached = new ArrayList<>(device.sessions.size());
        long now = cause.at().toEpochMilli();
        for (Session session : device.sessions) {
            boolean older = session.epoch() < cause.epoch() || (remote && session.provisional);
            if (session.state().isOpen() && older) {
                expiries.remove(session.deadline, session);
                active.decrementAndGet();
                reached.add(new Reached(session, markInterrupted(session, cause, now)));
            }
        }
        return reached;
    }

    private List<Consumer<InterruptCause>> markInterrupted(Session session, InterruptCause cause, long nowMillis) {
        // The removal deadline first: readers that see INTERRUPTED read it without the lock.
        session.deadline = Deadline.at(nowMillis + settings.cleanupDelay().toMillis());
        List<Consumer<InterruptCause>> callbacks = session.markInterrupted(cause);
        removals.put(session.deadline, session);
        lingering.incrementAndGet();
        interrupted.increment();
        return callbacks;
    }

    /**
     * Interrupted sessions stay visible for {@code SESSION_CLEANUP_DELAY}; a device that opens and is
     * interrupted in a tight loop must not make that list grow, so beyond the session cap the oldest go early.
     */
    void trimLingering() {
        while (lingering.get() > settings.maxActiveSessions()) {
            Map.Entry<Deadline, Session> first = removals.firstEntry();
            if (first == null || !removeInterrupted(first.getKey(), first.getValue())) {
                return;
            }
        }
    }

    /** The session as a client may see it: an interrupted one past its removal time is already gone. */
    Session find(String sessionId) {
        Session session = byId.get(sessionId);
        if (session == null) {
            return null;
        }
        if (session.state() == SessionState.INTERRUPTED && session.deadline.atMillis() <= clock.millis()) {
            return null;
        }
        return session;
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
                        SessionInfo kept = session.info();
                        link.heartbeat(kept);
                        return kept;
                    } else if (state != SessionState.INTERRUPTED) {
                        return null; // ended or expired since it was looked up: as gone as if it had never been found
                    }
                    return session.info();
                },
                null);
        if (info == null) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId);
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
        List<Held> held = new ArrayList<>(device.sessions.size());
        for (Session session : device.sessions) {
            List<Consumer<Pause>> due = session.markPaused();
            if (due != null) {
                held.add(new Held(session, due));
            }
        }
        return held;
    }

    /** Under the device lock: its paused sessions become ACTIVE again, with the resume callbacks to run. */
    List<Held> resumeLocked(Device device) {
        List<Held> resumed = new ArrayList<>(device.sessions.size());
        for (Session session : device.sessions) {
            List<Consumer<Pause>> due = session.markResumed();
            if (due != null) {
                resumed.add(new Held(session, due));
            }
        }
        return resumed;
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
                        expiries.remove(session.deadline, session);
                        detach(device, session);
                        active.decrementAndGet();
                        session.markFinished(SessionState.ENDED);
                        ended.increment();
                        return true;
                    }
                    if (session.state() == SessionState.INTERRUPTED && removals.remove(session.deadline, session)) {
                        detach(device, session);
                        lingering.decrementAndGet();
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
            candidates = devices.withExistingDevice(hardwareId, device -> new ArrayList<>(device.sessions), List.of());
        } else {
            candidates = new ArrayList<>(byId.values());
        }
        long now = clock.millis();
        return candidates.stream()
                .filter(s ->
                        s.state().isOpen() || (s.state() == SessionState.INTERRUPTED && s.deadline.atMillis() > now))
                .sorted(Comparator.comparing(Session::createdAt).reversed().thenComparing(Session::sessionId))
                .limit(limit)
                .map(Session::info)
                .toList();
    }

    /** Expires silent sessions and removes interrupted ones whose delay has passed. */
    void sweep(long nowMillis) {
        Map.Entry<Deadline, Session> due;
        while ((due = removals.firstEntry()) != null && due.getKey().atMillis() <= nowMillis) {
            removeInterrupted(due.getKey(), due.getValue());
        }
        while ((due = expiries.firstEntry()) != null && due.getKey().atMillis() <= nowMillis) {
            expireIfSilent(due.getKey(), due.getValue(), nowMillis);
        }
    }

    private boolean removeInterrupted(Deadline key, Session session) {
        Device device = devices.get(session.hardwareId());
        if (device == null) {
            return removals.remove(key, session);
        }
        synchronized (device) {
            if (!removals.remove(key, session)) {
                return true; // another thread took it; the caller may look at the next one
            }
            detach(device, session);
            lingering.decrementAndGet();
            return true;
        }
    }

    private void expireIfSilent(Deadline key, Session session, long nowMillis) {
        Device device = devices.get(session.hardwareId());
        if (device == null) {
            expiries.remove(key, session);
            return;
        }
        boolean expiredNow;
        synchronized (device) {
            if (!expiries.remove(key, session)) {
                return;
            }
            long expiresAt = session.expiresAt().toEpochMilli();
            expiredNow = expiresAt <= nowMillis;
            if (expiredNow) {
                detach(device, session);
                active.decrementAndGet();
                session.markFinished(SessionState.EXPIRED);
                expired.increment();
            } else {
                session.deadline = Deadline.at(expiresAt);
                expiries.put(session.deadline, session);
            }
        }
        if (expiredNow) {
            events.accept(session);
        }
    }

    private void detach(Device device, Session session) {
        device.sessions.remove(session);
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
