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

/**
 * Tentative interrupts: a device's open sessions are held ({@code PAUSED}) until the pause is resumed,
 * confirmed by a real interrupt, or its window ends. Each decision is taken under the device's lock by
 * whoever takes the pause off the device, so resume, interrupt and expiry never both win; the effects
 * (callbacks, module calls, events) run after the lock is released, as an interrupt's do.
 *
 * <p>A pause changes no epoch and sets no flag: {@link Session#isInterrupted()} stays false, and the
 * interrupt that may confirm it is an ordinary one, numbered then.
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
            BiConsumer<String, Pause> interruptExpired) {}

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
        OpenPause made = parts.devices().withDevice(hardwareId, device -> {
            if (device.pause != null) {
                existing[0] = device.pause;
                return null;
            }
            held.addAll(parts.sessions().pauseLocked(device));
            List<String> ids = held.stream().map(h -> h.session().sessionId()).toList();
            OpenPause pause =
                    new OpenPause(new Pause(hardwareId, device.epoch, reason, source, now, resumeBy, ids, null, null));
            device.pause = pause;
            open.put(hardwareId, pause);
            return pause;
        });
        if (made == null) {
            return new PauseResult(existing[0].snapshot, true, CompletableFuture.completedFuture(List.of()));
        }
        Pause pause = made.snapshot;
        announce(held, pause);
        parts.paused().accept(pause);
        scheduleExpiry(hardwareId, made, parts.settings().resumeWindow());
        CompletableFuture<List<ModuleResult>> modules = callModules(pause, true);
        return new PauseResult(pause, false, modules);
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
                            return resumeLocked(device, pause, PauseOutcome.RESUMED, now);
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
     */
    OpenPause takeForInterrupt(Device device) {
        OpenPause pause = device.pause;
        if (pause != null) {
            device.pause = null;
            open.remove(device.hardwareId, pause);
        }
        return pause;
    }

    /** After the lock: the pause an interrupt took is decided; returns it ended. */
    Pause confirmed(OpenPause pause, Instant at) {
        if (pause == null) {
            return null;
        }
        Pause ended =
                pause.snapshot.ended(pause.expiring ? PauseOutcome.EXPIRED_INTERRUPTED : PauseOutcome.CONFIRMED, at);
        decided(pause, ended);
        return ended;
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
                        device -> device.pause == which && !which.expiring && !now.isBefore(which.snapshot.resumeBy())
                                ? expireLocked(device, which, now)
                                : null,
                        null);
        if (decision != null) {
            carryOut(hardwareId, decision);
        }
    }

    /** Under the lock: the window ended with no decision; resume, or mark it to become an interrupt. */
    private Decision expireLocked(Device device, OpenPause pause, Instant now) {
        if (parts.settings().tentativeExpiry() == TentativeExpiry.RESUME) {
            return resumeLocked(device, pause, PauseOutcome.EXPIRED_RESUMED, now);
        }
        // Left on the device so that a resume is refused and the interrupt takes it (as EXPIRED_INTERRUPTED).
        pause.expiring = true;
        return new Decision(pause, null, List.of(), true, null);
    }

    private Decision resumeLocked(Device device, OpenPause pause, PauseOutcome outcome, Instant now) {
        List<SessionTracker.Held> resumed = parts.sessions().resumeLocked(device);
        device.pause = null;
        open.remove(device.hardwareId, pause);
        return new Decision(pause, pause.snapshot.ended(outcome, now), resumed, false, null);
    }

    /** After the lock: what a decision set in motion. */
    private void carryOut(String hardwareId, Decision decision) {
        if (decision.ended() != null) {
            decided(decision.pause(), decision.ended());
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
                                        ? resumeLocked(device, decision.pause(), PauseOutcome.EXPIRED_RESUMED, now)
                                        : null,
                                null);
                if (fallback != null) {
                    carryOut(hardwareId, fallback);
                }
            }
        }
    }

    private void decided(OpenPause pause, Pause ended) {
        outcomes.get(ended.outcome()).increment();
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
            OpenPause pause, Pause ended, List<SessionTracker.Held> sessions, boolean interruptNext, String refusal) {

        static Decision refused(String why) {
            return new Decision(null, null, List.of(), false, why);
        }

        Decision withRefusal(String why) {
            return new Decision(pause, ended, sessions, interruptNext, why);
        }
    }
}
