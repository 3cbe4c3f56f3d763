package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Tentative interrupts: a device's open sessions are held ({@code PAUSED}) until the pause is resumed,
 * confirmed by a real interrupt, or its window ends. Each decision is taken under the device's lock by
 * whoever takes the pause off the device, so resume, interrupt and expiry never both win; the effects
 * (callbacks, module calls, events) run after the lock is released, as an interrupt's do.
 *
 * <p>A pause changes no epoch and sets no flag: {@link Session#isInterrupted()} stays false, and the
 * interrupt that may confirm it is an ordinary one, numbered then.
 *
 * <p>In a cluster the device lock is not enough: a pause opened here is shared through the {@link ClusterLink}
 * (the other instances hold their sessions of the device too), and each decision is first taken there, where
 * one instance wins it; the others apply what it decided. When the cluster cannot be reached the decision is
 * taken here alone, as in one process.
 */
final class Pauses {

    private static final System.Logger LOG = System.getLogger(Pauses.class.getName());
    /** The reason of the interrupt a pause becomes when its window ends ({@link TentativeExpiry#INTERRUPT}). */
    static final String EXPIRED_REASON = "tentative_expired";

    /** What {@link InterruptManager} lends: the pieces a pause acts on, and how to tell others of it. */
    record Parts(
            DeviceTable devices,
            SessionTracker sessions,
            ModuleRegistry registry,
            FanOut fanOut,
            Executor callbacks,
            Clock clock,
            InterruptSettings settings,
            Consumer<Session> sessionChanged,
            Consumer<Pause> paused,
            Consumer<Pause> pauseEnded,
            BiConsumer<String, Pause> interruptExpired,
            Supplier<ClusterLink> link) {}

    private final Parts parts;
    /** The open pauses by device, for listing and the sweep; bounded by the devices that may hold state. */
    private final Map<String, OpenPause> open = new ConcurrentHashMap<>();

    private final Map<PauseOutcome, LongAdder> outcomes = new EnumMap<>(PauseOutcome.class);
    private volatile ScheduledExecutorService timer;

    Pauses(Parts parts) {
        this.parts = parts;
        for (PauseOutcome outcome : PauseOutcome.values()) {
            outcomes.put(outcome, new LongAdder());
        }
    }

    /** Ends pauses on time on {@code timer} (null: only {@link #sweep} ends them, as with an injected clock). */
    void runOn(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Pauses the device, or answers with the pause already open (one window per pause: nothing is extended). */
    PauseResult pause(String hardwareId, String reason, String source) {
        Instant now = parts.clock().instant();
        Instant resumeBy = now.plus(parts.settings().resumeWindow());
        List<SessionTracker.Held> held = new ArrayList<>();
        OpenPause[] existing = {null};
        boolean[] joined = {false};
        OpenPause made = parts.devices().withDevice(hardwareId, device -> {
            if (device.pause != null) {
                existing[0] = device.pause;
                return null;
            }
            // Under the lock, so that another instance's decision of this pause cannot be applied here first.
            ClusterLink.ClusterPause shared =
                    parts.link().get().openPause(hardwareId, device.epoch, reason, source, now, resumeBy);
            if (shared == null) {
                return openLocked(device, reason, source, now, resumeBy, null, device.epoch, held);
            }
            // Already open in the cluster (its signal has not reached this instance yet): this is not a new
            // pause, its window is not extended, but this instance's sessions are held by it now.
            joined[0] = !shared.opened();
            return openLocked(device, shared, held);
        });
        if (made == null) {
            return new PauseResult(existing[0].snapshot, true, CompletableFuture.completedFuture(List.of()));
        }
        return new PauseResult(made.snapshot, joined[0], begun(hardwareId, made, held));
    }

    /** Under the lock: this instance's sessions held by a pause the cluster already has open. */
    private OpenPause openLocked(Device device, ClusterLink.ClusterPause shared, List<SessionTracker.Held> held) {
        return openLocked(
                device,
                shared.reason(),
                shared.source(),
                shared.pausedAt(),
                shared.resumeBy(),
                shared.id(),
                shared.epoch(),
                held);
    }

    /**
     * Applies a pause another instance of the cluster opened: this instance's sessions of the device are held
     * too. Changes nothing when the device is paused here already, or an interrupt numbered after the pause
     * was applied here (it ended the pause: its signal was read first).
     */
    boolean applyRemote(String hardwareId, ClusterLink.ClusterPause shared) {
        List<SessionTracker.Held> held = new ArrayList<>();
        OpenPause made = parts.devices().withDevice(hardwareId, device -> {
            if (device.pause != null || device.epoch > shared.epoch()) {
                return null;
            }
            return openLocked(device, shared, held);
        });
        if (made == null) {
            return false;
        }
        begun(hardwareId, made, held);
        return true;
    }

    /**
     * Applies what another instance decided about the cluster's pause {@code clusterId}: resumed (the sessions
     * held here go on), or becoming an interrupt on expiry (a resume here is refused; the interrupt follows).
     */
    void applyRemoteDecision(String hardwareId, String clusterId, PauseOutcome outcome) {
        Instant now = parts.clock().instant();
        Decision decision = parts.devices()
                .withExistingDevice(
                        hardwareId,
                        device -> {
                            OpenPause pause = device.pause;
                            if (pause == null || !pause.is(clusterId)) {
                                return null;
                            }
                            if (outcome.resumed()) {
                                return resumeLocked(device, pause, outcome, now, false);
                            }
                            pause.expiring = true;
                            return null;
                        },
                        null);
        if (decision != null) {
            carryOut(hardwareId, decision);
        }
    }

    /** Under the lock: the device's active sessions are held by a new pause. */
    private OpenPause openLocked(
            Device device,
            String reason,
            String source,
            Instant pausedAt,
            Instant resumeBy,
            String clusterId,
            long clusterEpoch,
            List<SessionTracker.Held> held) {
        held.addAll(parts.sessions().pauseLocked(device));
        List<String> ids = held.stream().map(h -> h.session().sessionId()).toList();
        OpenPause pause = new OpenPause(
                new Pause(device.hardwareId, device.epoch, reason, source, pausedAt, resumeBy, ids, null, null),
                clusterId,
                clusterEpoch);
        device.pause = pause;
        open.put(device.hardwareId, pause);
        return pause;
    }

    /** After the lock: what a new pause sets in motion here. */
    private CompletableFuture<List<ModuleResult>> begun(
            String hardwareId, OpenPause made, List<SessionTracker.Held> held) {
        Pause pause = made.snapshot;
        announce(held, pause);
        parts.paused().accept(pause);
        Duration left = Duration.between(parts.clock().instant(), pause.resumeBy());
        scheduleExpiry(hardwareId, made, left.isNegative() ? Duration.ZERO : left);
        return callModules(pause, true);
    }

    /**
     * Resumes the device's pause within its window.
     *
     * @throws InterruptHubException CONFLICT when nothing is paused or the window has ended
     */
    Pause resume(String hardwareId) {
        Instant now = parts.clock().instant();
        Decision decision = parts.devices()
                .withExistingDevice(
                        hardwareId,
                        device -> {
                            OpenPause pause = device.pause;
                            if (pause == null) {
                                return null;
                            }
                            if (pause.expiring) {
                                return Decision.refused("the resume window of device " + hardwareId + " ended at "
                                        + pause.snapshot.resumeBy() + ": the pause is becoming an interrupt");
                            }
                            if (!now.isBefore(pause.snapshot.resumeBy())) {
                                Decision expired = expireLocked(device, pause, now);
                                return expired.withRefusal("the resume window of device " + hardwareId + " ended at "
                                        + pause.snapshot.resumeBy() + "; the pause "
                                        + (expired.interruptNext() ? "becomes an interrupt" : "was resumed on expiry"));
                            }
                            ClusterLink.PauseVerdict verdict = decideInCluster(hardwareId, pause, PauseOutcome.RESUMED);
                            if (verdict.kind() == ClusterLink.PauseVerdict.Kind.LOST) {
                                // Another instance decided first; its decision reaches this one as a signal.
                                return Decision.refused("the pause of device " + hardwareId
                                        + " was already decided on another instance ("
                                        + verdict.decided().tag() + "): nothing to resume");
                            }
                            return resumeLocked(device, pause, PauseOutcome.RESUMED, now, true);
                        },
                        null);
        if (decision == null) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT, "device " + hardwareId + " is not paused: nothing to resume");
        }
        carryOut(hardwareId, decision);
        if (decision.refusal() != null) {
            throw new InterruptHubException(InterruptHubException.Kind.CONFLICT, decision.refusal());
        }
        return decision.ended();
    }

    /**
     * Under the device lock, as an interrupt of a new epoch begins: the device's pause ends, confirmed (or
     * expired into this interrupt). Its sessions are still {@code PAUSED}; the interrupt marks them next.
     * It ends only a pause opened before it was numbered ({@code epoch}; {@link Long#MAX_VALUE} in one process),
     * or the one its announcement says it decided ({@code pauseId}): in a cluster, a pause that Redis recorded
     * after the interrupt's announcement (its epoch is the interrupt's) belongs to the new turn, on every
     * instance, and waits for its own decision.
     */
    OpenPause takeForInterrupt(Device device, long epoch, String pauseId) {
        OpenPause pause = device.pause;
        if (pause != null && (pause.clusterEpoch < epoch || pause.is(pauseId))) {
            device.pause = null;
            open.remove(device.hardwareId, pause);
            return pause;
        }
        return null;
    }

    /**
     * After the lock: the pause an interrupt took is decided; returns it ended, or null when it had been
     * resumed elsewhere first (the interrupt then did not follow it). {@code news} is what the interrupt's
     * announcement (or, from another instance, its signal) said of the device's pause in the cluster;
     * {@code local} is true for an interrupt made here.
     */
    Pause confirmed(OpenPause pause, Instant at, ClusterLink.Announcement news, boolean local) {
        String newsId = news == null ? null : news.pauseId();
        boolean announcedHere = local && news != null && news.pauseDecided();
        PauseOutcome fallback =
                pause != null && pause.expiring ? PauseOutcome.EXPIRED_INTERRUPTED : PauseOutcome.CONFIRMED;
        if (pause == null || (announcedHere && !pause.is(newsId))) {
            // This announcement decided a pause this instance no longer (or never) held: still counted here.
            if (announcedHere) {
                outcomes.get(PauseOutcome.CONFIRMED).increment();
            }
            if (pause == null) {
                // Its signal had not reached this instance: the interrupt still followed it, as the cluster
                // records it (no session here was held by it).
                ClusterLink.ClusterPause shared = announcedHere ? news.pause() : null;
                return shared == null
                        ? null
                        : new Pause(
                                shared.hardwareId(),
                                shared.epoch(),
                                shared.reason(),
                                shared.source(),
                                shared.pausedAt(),
                                shared.resumeBy(),
                                List.of(),
                                PauseOutcome.CONFIRMED,
                                at);
            }
        }
        PauseOutcome outcome;
        boolean counted;
        if (pause.clusterId == null) {
            outcome = fallback;
            counted = true;
        } else if (pause.is(newsId) && news.pauseOutcome() != null) {
            outcome = pause.expiring ? PauseOutcome.EXPIRED_INTERRUPTED : news.pauseOutcome();
            counted = announcedHere || pause.decidedHere;
        } else if (local && newsId == null) {
            // The cluster could not be reached, or no longer knew the pause: decided here.
            outcome = fallback;
            counted = true;
        } else {
            outcome = fallback;
            counted = pause.decidedHere;
        }
        Pause ended = pause.snapshot.ended(outcome, at);
        decided(pause, ended, counted);
        return outcome.resumed() ? null : ended;
    }

    /** After the lock: sessions still held when an interrupt ended their pause without reaching them go on. */
    void released(List<SessionTracker.Held> sessions, Pause ended) {
        announce(sessions, ended);
    }

    /** Ends every pause whose window has passed; the timer does it on time, this catches the rest. */
    void sweep(long nowMillis) {
        for (Map.Entry<String, OpenPause> entry : open.entrySet()) {
            if (entry.getValue().snapshot.resumeBy().toEpochMilli() <= nowMillis) {
                expire(entry.getKey(), entry.getValue());
            }
        }
    }

    Optional<Pause> current(String hardwareId) {
        OpenPause pause = open.get(hardwareId);
        return Optional.ofNullable(pause == null ? null : pause.snapshot);
    }

    /** Open pauses, newest first. */
    List<Pause> list(int limit) {
        return open.values().stream()
                .map(p -> p.snapshot)
                .sorted(Comparator.comparing(Pause::pausedAt).reversed().thenComparing(Pause::hardwareId))
                .limit(limit)
                .toList();
    }

    long count(PauseOutcome outcome) {
        return outcomes.get(outcome).sum();
    }

    int openCount() {
        return open.size();
    }

    private void expire(String hardwareId, OpenPause which) {
        Instant now = parts.clock().instant();
        Decision decision = parts.devices()
                .withExistingDevice(
                        hardwareId,
                        device -> device.pause == which
                                        && !(which.expiring && which.decidedHere)
                                        && !now.isBefore(which.snapshot.resumeBy())
                                ? expireLocked(device, which, now)
                                : null,
                        null);
        if (decision != null) {
            carryOut(hardwareId, decision);
        }
    }

    /**
     * Under the lock: the window ended with no decision; resume, or mark it to become an interrupt. In a
     * cluster every instance holding the pause gets here, and one wins: the others apply its decision (a
     * resume at once, an interrupt when its signal comes), or retry at each sweep until they do.
     */
    private Decision expireLocked(Device device, OpenPause pause, Instant now) {
        boolean resuming = parts.settings().tentativeExpiry() == TentativeExpiry.RESUME;
        PauseOutcome outcome = resuming ? PauseOutcome.EXPIRED_RESUMED : PauseOutcome.EXPIRED_INTERRUPTED;
        ClusterLink.PauseVerdict verdict = decideInCluster(device.hardwareId, pause, outcome);
        if (verdict.kind() == ClusterLink.PauseVerdict.Kind.LOST) {
            PauseOutcome decided = verdict.decided();
            if (decided.resumed()) {
                return resumeLocked(device, pause, decided, now, false);
            }
            if (decided == PauseOutcome.EXPIRED_INTERRUPTED) {
                pause.expiring = true; // a resume here is too late; the winner's interrupt takes it
            }
            return Decision.NONE;
        }
        if (resuming) {
            return resumeLocked(device, pause, outcome, now, true);
        }
        // Left on the device so that a resume is refused and the interrupt takes it (as EXPIRED_INTERRUPTED).
        pause.expiring = true;
        pause.decidedHere = true;
        return new Decision(pause, null, List.of(), true, null, true);
    }

    /** Under the lock: takes the decision in the cluster, when the pause is the cluster's. */
    private ClusterLink.PauseVerdict decideInCluster(String hardwareId, OpenPause pause, PauseOutcome outcome) {
        if (pause.clusterId == null) {
            return ClusterLink.PauseVerdict.LOCAL;
        }
        return parts.link().get().decidePause(hardwareId, pause.clusterId, outcome);
    }

    private Decision resumeLocked(Device device, OpenPause pause, PauseOutcome outcome, Instant now, boolean counted) {
        List<SessionTracker.Held> resumed = parts.sessions().resumeLocked(device);
        device.pause = null;
        open.remove(device.hardwareId, pause);
        return new Decision(pause, pause.snapshot.ended(outcome, now), resumed, false, null, counted);
    }

    /** After the lock: what a decision set in motion. */
    private void carryOut(String hardwareId, Decision decision) {
        if (decision.ended() != null) {
            decided(decision.pause(), decision.ended(), decision.counted());
            announce(decision.sessions(), decision.ended());
            callModules(decision.ended(), false);
        }
        if (decision.interruptNext()) {
            try {
                parts.interruptExpired().accept(hardwareId, decision.pause().snapshot);
            } catch (RuntimeException e) {
                // The interrupt could not be made: the held sessions must not stay paused for good.
                LOG.log(Level.WARNING, "pause of device " + hardwareId + " could not become an interrupt; resumed", e);
                Instant now = parts.clock().instant();
                Decision fallback = parts.devices()
                        .withExistingDevice(
                                hardwareId,
                                device -> device.pause == decision.pause()
                                        ? resumeLocked(
                                                device, decision.pause(), PauseOutcome.EXPIRED_RESUMED, now, true)
                                        : null,
                                null);
                if (fallback != null) {
                    carryOut(hardwareId, fallback);
                }
            }
        }
    }

    /** {@code counted}: this instance took the decision, so its metric counts it (once cluster-wide). */
    private void decided(OpenPause pause, Pause ended, boolean counted) {
        if (counted) {
            outcomes.get(ended.outcome()).increment();
        }
        pause.decided.complete(ended);
        parts.pauseEnded().accept(ended);
    }

    /** Session events and the sessions' pause or resume callbacks, off the caller's thread. */
    private void announce(List<SessionTracker.Held> sessions, Pause pause) {
        for (SessionTracker.Held held : sessions) {
            parts.sessionChanged().accept(held.session());
            if (!held.callbacks().isEmpty()) {
                try {
                    parts.callbacks().execute(() -> Session.runPauseCallbacks(held.callbacks(), pause));
                } catch (RejectedExecutionException saturated) {
                    LOG.log(
                            Level.WARNING,
                            "pause callbacks of session " + held.session().sessionId() + " dropped: the callback"
                                    + " queue is full");
                }
            }
        }
    }

    /** The modules that declare {@code pause} (or {@code resume}), in parallel, each within its timeout. */
    private CompletableFuture<List<ModuleResult>> callModules(Pause pause, boolean pausing) {
        InterruptCause cause = new InterruptCause(
                pause.hardwareId(),
                pause.epoch(),
                pause.reason() == null ? "unspecified" : pause.reason(),
                pause.source(),
                pausing ? pause.pausedAt() : pause.endedAt());
        List<CompletableFuture<ModuleResult>> calls = new ArrayList<>();
        for (ModuleRegistry.Registered module : parts.registry().modules()) {
            List<ModuleAction> actions = pausing ? module.pauseActions() : module.resumeActions();
            if (!actions.isEmpty()) {
                calls.add(parts.fanOut().call(module, cause, actions));
            }
        }
        if (calls.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenApply(done -> calls.stream().map(CompletableFuture::join).toList());
    }

    private void scheduleExpiry(String hardwareId, OpenPause pause, Duration window) {
        ScheduledExecutorService on = timer;
        if (on == null) {
            return;
        }
        try {
            on.schedule(() -> expireQuietly(hardwareId, pause), window.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // Shutting down: the sweep (or nothing, once closed) ends it.
        }
    }

    private void expireQuietly(String hardwareId, OpenPause pause) {
        try {
            expire(hardwareId, pause);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "pause expiry of device " + hardwareId + " failed; the sweep tries again", e);
        }
    }

    /** A decision taken under the lock, carried out after it. */
    private record Decision(
            OpenPause pause,
            Pause ended,
            List<SessionTracker.Held> sessions,
            boolean interruptNext,
            String refusal,
            boolean counted) {

        /** Nothing to carry out: another instance decided, and its decision is still to come here. */
        static final Decision NONE = new Decision(null, null, List.of(), false, null, false);

        static Decision refused(String why) {
            return new Decision(null, null, List.of(), false, why, false);
        }

        Decision withRefusal(String why) {
            return new Decision(pause, ended, sessions, interruptNext, why, counted);
        }
    }
}
