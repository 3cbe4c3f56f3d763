package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Tentative interrupts: a device's open sessions are held ({@code PAUSED}) until the pause is resumed, confirmed
 * by a real interrupt, or its window ends. Each decision is applied under the device's lock by whoever takes the
 * pause off the device, so resume, interrupt and expiry never both win; the effects (callbacks, module calls,
 * events) run after the lock is released, as an interrupt's do.
 *
 * <p>A pause changes no epoch and sets no flag: {@link Session#isInterrupted()} stays false, and the interrupt
 * that may confirm it is an ordinary one, numbered then.
 *
 * <p>In a cluster a pause opened here holds this instance's sessions at once and is then shared through the
 * {@link ClusterLink} (the other instances hold theirs too, or this one joins a pause the cluster already had).
 * Each decision is first taken in the cluster, outside the lock, where one instance wins it; the others apply
 * what it decided. When the cluster cannot answer in time the decision is taken here alone, as in one process.
 */
final class Pauses {

    private static final System.Logger LOG = System.getLogger(Pauses.class.getName());
    /** The reason of the interrupt a pause becomes when its window ends ({@link TentativeExpiry#INTERRUPT}). */
    static final String EXPIRED_REASON = "tentative_expired";

    private final DeviceTable devices;
    private final SessionTracker sessions;
    private final ModuleRegistry registry;
    private final FanOut fanOut;
    private final Events events;
    private final Clock clock;
    private final InterruptSettings settings;
    /** Makes the interrupt a pause becomes when its window ends. */
    private final BiConsumer<String, Pause> interruptExpired;

    private final Supplier<ClusterLink> link;
    /** The open pauses by device, for listing and the sweep; bounded by the devices that may hold state. */
    private final Map<String, OpenPause> open = new ConcurrentHashMap<>();

    private final PauseDecisions decisions;
    private volatile ScheduledExecutorService timer;

    Pauses(Core core, BiConsumer<String, Pause> interruptExpired) {
        this.devices = core.devices();
        this.sessions = core.sessions();
        this.registry = core.registry();
        this.fanOut = core.fanOut();
        this.events = core.events();
        this.clock = core.clock();
        this.settings = core.settings();
        this.link = core.link();
        this.interruptExpired = interruptExpired;
        this.decisions = new PauseDecisions(events);
    }

    /** Ends pauses on time on {@code timer} (null: only {@link #sweep} ends them, as with an injected clock). */
    void runOn(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Pauses the device, or answers with the pause already open (one window per pause: nothing is extended). */
    PauseResult pause(String hardwareId, String reason, String source) {
        ClusterLink cluster = link.get();
        String clusterId = cluster.newPauseId();
        // The cluster keeps instants in milliseconds: a shared pause has the same window on every instance.
        Instant now = clusterId == null ? clock.instant() : clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant resumeBy = now.plus(settings.resumeWindow());
        List<SessionTracker.Held> held = new ArrayList<>();
        OpenPause[] existing = {null};
        OpenPause made = devices.withDevice(hardwareId, device -> {
            if (device.pause() != null) {
                existing[0] = device.pause();
                return null;
            }
            held.addAll(sessions.pauseLocked(device));
            return opened(device, OpenPause.sharing(snapshot(device, reason, source, now, resumeBy, held), clusterId));
        });
        if (made == null) {
            return new PauseResult(existing[0].snapshot, true, CompletableFuture.completedFuture(List.of()));
        }
        CompletableFuture<List<ModuleResult>> modules = begun(hardwareId, made, held);
        if (clusterId != null) {
            // Shared after the local hold: the cluster records it, or answers the pause it already had.
            cluster.openPause(
                            clusterId,
                            hardwareId,
                            made.snapshot.epoch(),
                            reason,
                            source,
                            now,
                            resumeBy,
                            () -> !made.decided.isDone())
                    .whenComplete((shared, error) -> settle(hardwareId, made, error == null ? shared : null));
        }
        return new PauseResult(made.snapshot, false, modules);
    }

    /** The cluster's answer to a pause opened here: recorded, joined to the cluster's open pause, or unreachable. */
    private void settle(String hardwareId, OpenPause made, ClusterLink.ClusterPause shared) {
        boolean moved =
                devices.withExistingDevice(hardwareId, device -> device.pause() == made && made.settle(shared), false);
        if (moved) {
            scheduleExpiry(hardwareId, made);
        }
    }

    /**
     * Applies a pause another instance of the cluster opened: this instance's sessions of the device are held too.
     * Changes nothing when the device is paused here already, or an interrupt numbered after the pause was applied
     * here (it ended the pause: its signal was read first).
     */
    boolean applyRemote(String hardwareId, ClusterLink.ClusterPause shared) {
        List<SessionTracker.Held> held = new ArrayList<>();
        OpenPause made = devices.withDevice(hardwareId, device -> {
            if (device.pause() != null || device.epoch() > shared.epoch()) {
                return null;
            }
            held.addAll(sessions.pauseLocked(device));
            Pause snapshot =
                    snapshot(device, shared.reason(), shared.source(), shared.pausedAt(), shared.resumeBy(), held);
            return opened(device, new OpenPause(snapshot, shared.id(), shared.epoch()));
        });
        if (made == null) {
            return false;
        }
        begun(hardwareId, made, held);
        return true;
    }

    /**
     * Applies what another instance decided about the cluster's pause {@code clusterId}: resumed (the sessions held
     * here go on), or becoming an interrupt on expiry (a resume here is refused; the interrupt follows).
     */
    void applyRemoteDecision(String hardwareId, String clusterId, PauseOutcome outcome) {
        Instant now = clock.instant();
        PauseStep decision = devices.withExistingDevice(
                hardwareId,
                device -> {
                    OpenPause pause = device.pause();
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

    private static Pause snapshot(
            Device device,
            String reason,
            String source,
            Instant pausedAt,
            Instant resumeBy,
            List<SessionTracker.Held> held) {
        List<String> ids = held.stream().map(h -> h.session().sessionId()).toList();
        return new Pause(device.hardwareId, device.epoch(), reason, source, pausedAt, resumeBy, ids, null, null);
    }

    /** Under the lock: the pause now holds the device. */
    private OpenPause opened(Device device, OpenPause pause) {
        device.hold(pause);
        open.put(device.hardwareId, pause);
        return pause;
    }

    /** After the lock: what a new pause sets in motion here. */
    private CompletableFuture<List<ModuleResult>> begun(
            String hardwareId, OpenPause made, List<SessionTracker.Held> held) {
        Pause pause = made.snapshot;
        announce(held, pause);
        events.publish(listener -> listener.paused(pause), "pause");
        scheduleExpiry(hardwareId, made);
        return fanOut.pauseActions(registry, pause, true);
    }

    /**
     * Resumes the device's pause within its window: decided in the cluster first (outside the lock, within the
     * link's bound), then applied under the lock if nothing else decided it meanwhile.
     *
     * @throws InterruptHubException CONFLICT when nothing is paused, the window has ended, or another decision won
     */
    Pause resume(String hardwareId) {
        Instant now = clock.instant();
        String[] clusterId = {null};
        PauseStep look = devices.withExistingDevice(
                hardwareId,
                device -> {
                    OpenPause pause = device.pause();
                    if (pause == null) {
                        return null;
                    }
                    if (pause.expiring) {
                        return PauseStep.refused("the resume window of device " + hardwareId + " ended at "
                                + pause.snapshot.resumeBy() + ": the pause is becoming an interrupt");
                    }
                    if (!now.isBefore(pause.snapshot.resumeBy())) {
                        return PauseStep.refused("the resume window of device " + hardwareId + " ended at "
                                        + pause.snapshot.resumeBy() + "; the pause "
                                        + (settings.tentativeExpiry() == TentativeExpiry.RESUME
                                                ? "is resumed on expiry"
                                                : "becomes an interrupt"))
                                .expiring(pause);
                    }
                    clusterId[0] = pause.clusterId();
                    return PauseStep.deciding(pause);
                },
                null);
        if (look == null) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT, "device " + hardwareId + " is not paused: nothing to resume");
        }
        if (look.refusal() != null) {
            if (look.pause() != null) {
                expire(hardwareId, look.pause());
            }
            throw new InterruptHubException(InterruptHubException.Kind.CONFLICT, look.refusal());
        }
        OpenPause pause = look.pause();
        ClusterLink.PauseVerdict verdict = clusterId[0] == null
                ? ClusterLink.PauseVerdict.LOCAL
                : LinkAnswers.await(
                        link.get().decidePause(hardwareId, clusterId[0], PauseOutcome.RESUMED),
                        ClusterLink.PauseVerdict.LOCAL);
        PauseStep decision = devices.withExistingDevice(
                hardwareId, device -> resumeDecided(device, pause, verdict, clock.instant()), null);
        if (decision == null) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT, "device " + hardwareId + " is not paused: nothing to resume");
        }
        carryOut(hardwareId, decision);
        if (decision.refusal() != null) {
            throw new InterruptHubException(InterruptHubException.Kind.CONFLICT, decision.refusal());
        }
        tellIfAlone(hardwareId, clusterId[0], verdict, decision);
        return decision.ended();
    }

    /**
     * A pause of the cluster decided here alone (Redis could not answer in time): the cluster hears the decision
     * once it can, so the instances that hold the pause (its opening may reach Redis after all) learn it too.
     */
    private void tellIfAlone(String hardwareId, String clusterId, ClusterLink.PauseVerdict verdict, PauseStep step) {
        if (clusterId != null && verdict.kind() == ClusterLink.PauseVerdict.Kind.LOCAL && step.counted()) {
            PauseOutcome outcome = step.ended() != null ? step.ended().outcome() : PauseOutcome.EXPIRED_INTERRUPTED;
            link.get().decidedAlone(hardwareId, clusterId, outcome);
        }
    }

    /** Under the lock: a resume whose cluster decision came back. */
    private PauseStep resumeDecided(Device device, OpenPause pause, ClusterLink.PauseVerdict verdict, Instant now) {
        String hardwareId = device.hardwareId;
        if (device.pause() != pause && verdict.kind() == ClusterLink.PauseVerdict.Kind.WON) {
            // This resume won in the cluster, and the interrupt that came right after it (its signal carried the
            // decision) took the pause off the device meanwhile: resumed, as decided, and counted here.
            decisions.count(pause, PauseOutcome.RESUMED);
            return PauseStep.answered(pause.snapshot.ended(PauseOutcome.RESUMED, now));
        }
        if (device.pause() != pause) {
            Pause decided = pause.decided.getNow(null);
            return PauseStep.refused("the pause of device " + hardwareId + " was decided meanwhile"
                    + (decided == null ? "" : " (" + decided.outcome().tag() + ")") + ": nothing to resume");
        }
        if (verdict.kind() == ClusterLink.PauseVerdict.Kind.LOST) {
            if (verdict.decided() == PauseOutcome.EXPIRED_INTERRUPTED) {
                pause.expiring = true; // the winner's interrupt takes it
            }
            // Another instance decided first; its decision reaches this one as a signal.
            return PauseStep.refused("the pause of device " + hardwareId + " was already decided on another instance ("
                    + verdict.decided().tag() + "): nothing to resume");
        }
        if (pause.expiring && verdict.kind() == ClusterLink.PauseVerdict.Kind.LOCAL) {
            return PauseStep.refused("the resume window of device " + hardwareId + " ended at "
                    + pause.snapshot.resumeBy() + ": the pause is becoming an interrupt");
        }
        return resumeLocked(device, pause, PauseOutcome.RESUMED, now, true);
    }

    /**
     * Under the device lock, as an interrupt begins: the device's pause ends, confirmed (or expired into this
     * interrupt). Its sessions are still {@code PAUSED}; the interrupt marks them next. An interrupt made here
     * ends whatever pause the device has; one from another instance only a pause the cluster recorded before it
     * numbered that interrupt, or the one its signal says it decided: a pause recorded after it belongs to the new
     * turn, on every instance, and waits for its own decision.
     */
    OpenPause takeForInterrupt(Device device, EpochClaim claim) {
        OpenPause pause = device.pause();
        if (pause == null) {
            return null;
        }
        if (claim instanceof EpochClaim.Remote remote) {
            String named = remote.news() == null ? null : remote.news().pauseId();
            if (!pause.endedBy(remote.epoch(), named)) {
                return null;
            }
        }
        device.release();
        open.remove(device.hardwareId, pause);
        return pause;
    }

    /** After the lock: the pause an interrupt took is decided ({@link PauseDecisions#confirmed}). */
    Pause confirmed(OpenPause pause, Instant at, ClusterLink.Announcement news, boolean local) {
        return decisions.confirmed(pause, at, news, local);
    }

    void countedInCluster(ClusterLink.Announcement news) {
        decisions.countedInCluster(news);
    }

    /** After the lock: sessions still held when an interrupt ended their pause without reaching them go on. */
    void released(List<SessionTracker.Held> held, Pause ended) {
        announce(held, ended);
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
        return ConcurrentMaps.currentValues(open, p -> p.snapshot.hardwareId()).stream()
                .map(p -> p.snapshot)
                .sorted(Comparator.comparing(Pause::pausedAt).reversed().thenComparing(Pause::hardwareId))
                .limit(limit)
                .toList();
    }

    long count(PauseOutcome outcome) {
        return decisions.count(outcome);
    }

    /**
     * The window ended with no decision: the cluster is asked (outside the lock) and the answer applied under it.
     * In a cluster every instance holding the pause gets here, and one wins: the others apply its decision (a
     * resume at once, an interrupt when its signal comes), or ask again at each sweep until they do.
     */
    private void expire(String hardwareId, OpenPause which) {
        Instant now = clock.instant();
        String[] clusterId = {null};
        boolean due = devices.withExistingDevice(
                hardwareId,
                device -> {
                    if (device.pause() != which
                            || which.deciding
                            || (which.expiring && which.decidedHere)
                            || now.isBefore(which.snapshot.resumeBy())) {
                        return false;
                    }
                    which.deciding = true;
                    clusterId[0] = which.clusterId();
                    return true;
                },
                false);
        if (!due) {
            return;
        }
        PauseOutcome outcome = settings.tentativeExpiry() == TentativeExpiry.RESUME
                ? PauseOutcome.EXPIRED_RESUMED
                : PauseOutcome.EXPIRED_INTERRUPTED;
        CompletableFuture<ClusterLink.PauseVerdict> verdict = clusterId[0] == null
                ? CompletableFuture.completedFuture(ClusterLink.PauseVerdict.LOCAL)
                : link.get().decidePause(hardwareId, clusterId[0], outcome);
        verdict.whenComplete((v, error) -> {
            ClusterLink.PauseVerdict decided = error == null ? v : ClusterLink.PauseVerdict.LOCAL;
            PauseStep decision = devices.withExistingDevice(
                    hardwareId,
                    device -> {
                        which.deciding = false;
                        return device.pause() == which ? expireLocked(device, which, decided, outcome) : null;
                    },
                    null);
            if (decision != null) {
                carryOut(hardwareId, decision);
                tellIfAlone(hardwareId, clusterId[0], decided, decision);
            }
        });
    }

    /** Under the lock: the expiry's decision, as the cluster answered it. */
    private PauseStep expireLocked(
            Device device, OpenPause pause, ClusterLink.PauseVerdict verdict, PauseOutcome outcome) {
        Instant now = clock.instant();
        if (verdict.kind() == ClusterLink.PauseVerdict.Kind.LOST) {
            PauseOutcome decided = verdict.decided();
            if (decided.resumed()) {
                return resumeLocked(device, pause, decided, now, false);
            }
            if (decided == PauseOutcome.EXPIRED_INTERRUPTED) {
                pause.expiring = true; // a resume here is too late; the winner's interrupt takes it
            }
            return PauseStep.NONE;
        }
        if (outcome.resumed()) {
            return resumeLocked(device, pause, outcome, now, true);
        }
        // Left on the device so that a resume is refused and the interrupt takes it (as EXPIRED_INTERRUPTED).
        pause.expiring = true;
        pause.decidedHere = true;
        return new PauseStep(pause, null, List.of(), true, null, true);
    }

    private PauseStep resumeLocked(Device device, OpenPause pause, PauseOutcome outcome, Instant now, boolean counted) {
        List<SessionTracker.Held> resumed = sessions.resumeLocked(device);
        device.release();
        open.remove(device.hardwareId, pause);
        return new PauseStep(pause, pause.snapshot.ended(outcome, now), resumed, false, null, counted);
    }

    /** After the lock: what a decision set in motion. */
    private void carryOut(String hardwareId, PauseStep decision) {
        if (decision.ended() != null && decision.pause() != null) {
            decisions.decided(decision.pause(), decision.ended(), decision.counted());
            announce(decision.sessions(), decision.ended());
            fanOut.pauseActions(registry, decision.ended(), false);
        }
        if (decision.interruptNext()) {
            try {
                interruptExpired.accept(hardwareId, decision.pause().snapshot);
            } catch (RuntimeException e) {
                // The interrupt could not be made: the held sessions must not stay paused for good.
                LOG.log(Level.WARNING, "pause of device " + hardwareId + " could not become an interrupt; resumed", e);
                Instant now = clock.instant();
                PauseStep fallback = devices.withExistingDevice(
                        hardwareId,
                        device -> device.pause() == decision.pause()
                                ? resumeLocked(device, decision.pause(), PauseOutcome.EXPIRED_RESUMED, now, true)
                                : null,
                        null);
                if (fallback != null) {
                    carryOut(hardwareId, fallback);
                }
            }
        }
    }

    /** Session events and the sessions' pause or resume callbacks, off the caller's thread. */
    private void announce(List<SessionTracker.Held> held, Pause pause) {
        for (SessionTracker.Held h : held) {
            events.sessionChanged(h.session());
            events.held(h.session(), h.callbacks(), pause);
        }
    }

    private void scheduleExpiry(String hardwareId, OpenPause pause) {
        ScheduledExecutorService on = timer;
        if (on == null) {
            return;
        }
        Duration left = Duration.between(clock.instant(), pause.snapshot.resumeBy());
        try {
            on.schedule(
                    () -> expireQuietly(hardwareId, pause),
                    left.isNegative() ? 0 : left.toNanos(),
                    TimeUnit.NANOSECONDS);
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
}
