package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The handle a streaming loop holds for one session. {@link #isInterrupted()} is a single volatile
 * read, cheap enough to call for every chunk; {@link #onInterrupt(Consumer)} is the push signal;
 * {@link #throwIfInterrupted()} unwinds a deep producer; {@link #nonInterruptible()} protects a
 * section (writing the conversation history) from being cut, the interrupt taking effect when it ends.
 *
 * <p>State changes happen under the owning device's lock in {@link SessionTracker}; readers see them
 * through volatile fields without locking.
 */
public final class Session {

    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private final String sessionId;
    private final String hardwareId;
    /** Raised only when the cluster numbers the interrupt this turn follows higher than this instance did. */
    private volatile long epoch;

    private final Instant createdAt;
    private final Duration timeout;
    private final int maxCallbacks;

    private volatile boolean interrupted;
    private volatile SessionState state = SessionState.ACTIVE;
    private volatile Instant lastHeartbeatAt;
    private volatile InterruptCause cause;
    private volatile Delivered delivered = Delivered.NONE;
    private volatile Delivered deliveredAtInterrupt;
    /** When the playback edge said this session's output is silent; set once. Written under this lock. */
    private volatile Instant stoppedAt;
    /** Side effects that passed the point of no return; replaced, never changed, under the device lock. */
    private volatile List<Commit> commits = List.of();
    /** The silence this session's interrupt awaits; set under the device lock as the interrupt marks it. */
    volatile InterruptSilence silence;
    /** Takes stop receipts and commits under the device lock, where interrupts are decided. */
    private final SessionTracker tracker;

    // Guarded by this; null once the callbacks have been handed out to run. Most sessions never register
    // one (a loop that polls isInterrupted()), so the list is made by the first: 48 bytes less per session.
    private List<Consumer<InterruptCause>> callbacks = List.of();
    // Guarded by this; kept for the session's life, since one turn may be paused and resumed more than once.
    private List<Consumer<Pause>> pauseCallbacks = List.of();
    private List<Consumer<Pause>> resumeCallbacks = List.of();
    // Guarded by this: open non-interruptible sections, and an interrupt that waits for them to close.
    private int protectedSections;
    private boolean interruptDeferred;

    // Position in the tracker's expiry or removal queue; replaced under the device lock.
    volatile SessionQueue.Entry deadline;
    // Opened in a cluster that could not be reached, so its epoch was not the cluster's; device lock.
    boolean provisional;

    Session(
            String sessionId,
            String hardwareId,
            long epoch,
            Instant createdAt,
            Duration timeout,
            int maxCallbacks,
            SessionTracker tracker) {
        this.tracker = tracker;
        this.sessionId = sessionId;
        this.hardwareId = hardwareId;
        this.epoch = epoch;
        this.createdAt = createdAt;
        this.lastHeartbeatAt = createdAt;
        this.timeout = timeout;
        this.maxCallbacks = maxCallbacks;
    }

    public String sessionId() {
        return sessionId;
    }

    public String hardwareId() {
        return hardwareId;
    }

    /** The device epoch this session's turn belongs to. */
    public long epoch() {
        return epoch;
    }

    public SessionState state() {
        return state;
    }

    /**
     * True once an interrupt has reached this session (and no non-interruptible section holds it back);
     * stays true. The session's {@link #state()} is the service's view and turns {@code INTERRUPTED} at once.
     */
    public boolean isInterrupted() {
        return interrupted;
    }

    /**
     * True while a tentative interrupt holds this session ({@link SessionState#PAUSED}): keep what was
     * produced, stop sending it, and wait for {@link #onResume} or the interrupt. Not {@link #isInterrupted()}.
     */
    public boolean isPaused() {
        return state == SessionState.PAUSED;
    }

    /**
     * Runs {@code callback} each time a tentative interrupt pauses this session, on a callback thread;
     * keep it short (hold playback, stop sending), never drop the output here. Pause and resume callbacks run
     * on a pool, so after a quick resume they may arrive out of order: act on {@link #isPaused()}, not on
     * which callback came last.
     *
     * @throws IllegalStateException when the session already holds its maximum of pause callbacks
     */
    public void onPause(Consumer<Pause> callback) {
        synchronized (this) {
            pauseCallbacks = added(pauseCallbacks, callback, "pause");
        }
    }

    /**
     * Runs {@code callback} each time a pause of this session is resumed (by the caller, or because its
     * window ended with {@link TentativeExpiry#RESUME}): go on from where the output was held.
     *
     * @throws IllegalStateException when the session already holds its maximum of resume callbacks
     */
    public void onResume(Consumer<Pause> callback) {
        synchronized (this) {
            resumeCallbacks = added(resumeCallbacks, callback, "resume");
        }
    }

    /** Caller holds this session's lock. */
    private List<Consumer<Pause>> added(List<Consumer<Pause>> current, Consumer<Pause> callback, String kind) {
        Objects.requireNonNull(callback, "callback");
        if (!state.isOpen()) {
            return current; // finished: no pause or resume will come
        }
        if (current.size() >= maxCallbacks) {
            throw new IllegalStateException(
                    "session " + sessionId + " already holds " + maxCallbacks + " " + kind + " callbacks");
        }
        List<Consumer<Pause>> more = new ArrayList<>(current.size() + 1);
        more.addAll(current);
        more.add(callback);
        return List.copyOf(more);
    }

    /** @throws SessionInterruptedException when {@link #isInterrupted()} */
    public void throwIfInterrupted() {
        if (interrupted) {
            throw new SessionInterruptedException(sessionId, cause);
        }
    }

    /**
     * Marks a section that must not be cut, e.g. writing the conversation history. An interrupt that
     * arrives meanwhile is applied when the last open section closes: {@link #isInterrupted()} turns
     * true and callbacks run then, on the closing thread. Sections nest; closing twice is harmless.
     */
    public Section nonInterruptible() {
        synchronized (this) {
            protectedSections++;
        }
        return new Section();
    }

    /** A non-interruptible section; use with try-with-resources. */
    public final class Section implements AutoCloseable {

        private boolean closed;

        private Section() {}

        @Override
        public void close() {
            List<Consumer<InterruptCause>> due = null;
            synchronized (Session.this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (--protectedSections == 0 && interruptDeferred) {
                    interruptDeferred = false;
                    due = release();
                }
            }
            if (due != null) {
                runAll(due, cause);
            }
        }
    }

    /**
     * Reports how far output has reached the user. Offsets only grow; reports after an interrupt still
     * count for the session, while the interrupt result keeps the offsets of its own moment.
     */
    public Delivered reportDelivered(long textChars, long audioMs) {
        Delivered report = new Delivered(textChars, audioMs);
        synchronized (this) {
            if (stoppedAt != null) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.CONFLICT,
                        "session " + sessionId + " reported stopped: its offsets are final");
            }
            delivered = delivered.max(report);
            return delivered;
        }
    }

    public Delivered delivered() {
        return delivered;
    }

    /** What had been delivered when the interrupt reached this session, once it did. */
    public Optional<Delivered> deliveredAtInterrupt() {
        return Optional.ofNullable(deliveredAtInterrupt);
    }

    /** Why it was interrupted, once it was. */
    public Optional<InterruptCause> interruptCause() {
        return Optional.ofNullable(cause);
    }

    /**
     * Runs {@code callback} when this session is interrupted, or at once on this thread if it already is;
     * never for a session that ended or expired without an interrupt.
     * Callbacks are isolated: one that throws does not keep the others from running.
     *
     * @throws IllegalStateException when the session already holds its maximum of callbacks
     */
    public void onInterrupt(Consumer<InterruptCause> callback) {
        synchronized (this) {
            if (callbacks != null) {
                if (callbacks.size() >= maxCallbacks) {
                    throw new IllegalStateException(
                            "session " + sessionId + " already holds " + maxCallbacks + " interrupt callbacks");
                }
                if (callbacks.isEmpty()) {
                    callbacks = new ArrayList<>(2);
                }
                callbacks.add(callback);
                return;
            }
            if (!interrupted) {
                return; // ended or expired without an interrupt: there is nothing to run it for
            }
        }
        runIsolated(callback, cause);
    }

    /** Convenience for callbacks that do not need the cause. */
    public void onInterrupt(Runnable callback) {
        onInterrupt(ignored -> callback.run());
    }

    /**
     * The playback edge says this session's output is silent: the answer ended by itself, or an interrupt
     * cut it. Counts towards the silence of the interrupt that marked it. Idempotent; ignored once the
     * session has ended or been removed.
     */
    public void stopped() {
        tracker.stopped(this, null);
    }

    /**
     * {@link #stopped()} with the edge's final offsets, which replace those reported with
     * {@link #reportDelivered}; they may not exceed what the producer reported.
     *
     * @throws InterruptHubException INVALID_INPUT for negative or excessive offsets, CONFLICT when the
     *                               session already stopped at other offsets
     */
    public void stopped(long textChars, long audioMs) {
        tracker.stopped(this, new Delivered(textChars, audioMs));
    }

    /** When the edge said this session's output is silent, once it did. */
    public Optional<Instant> stoppedAt() {
        return Optional.ofNullable(stoppedAt);
    }

    /**
     * Asks to pass the point of no return for one side effect of this turn, e.g. sending an email. True
     * when it may run: no interrupt has reached the session, and any interrupt from now on lists it as
     * committed. False when an interrupt came first (the turn is over) or the session is gone. Committing
     * the same action again answers the same.
     *
     * @throws InterruptHubException INVALID_INPUT for a malformed action name, LIMIT_REACHED when the
     *                               session holds its maximum of commits
     */
    public boolean commit(String action) {
        try {
            tracker.commit(this, action);
            return true;
        } catch (InterruptHubException e) {
            if (e.kind() == InterruptHubException.Kind.CONFLICT || e.kind() == InterruptHubException.Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Runs {@code sideEffect} on this thread only when {@link #commit(String)} succeeds; returns whether it ran. */
    public boolean commit(String action, Runnable sideEffect) {
        if (!commit(action)) {
            return false;
        }
        sideEffect.run();
        return true;
    }

    /** The side effects committed in this session's turn, in order. */
    public List<Commit> commits() {
        return commits;
    }

    public SessionInfo info() {
        InterruptCause c = cause;
        Instant heartbeat = lastHeartbeatAt;
        return new SessionInfo(
                sessionId,
                hardwareId,
                state,
                epoch,
                createdAt,
                heartbeat,
                heartbeat.plus(timeout),
                c == null ? null : c.at(),
                delivered,
                stoppedAt,
                commits);
    }

    /**
     * Records the stop receipt; returns true the first time. Caller holds the device lock.
     * A repeated receipt changes nothing: without offsets, or with the ones recorded, it is accepted.
     */
    boolean markStopped(Instant now, Delivered finalOffsets) {
        synchronized (this) {
            if (stoppedAt != null) {
                if (finalOffsets != null && !finalOffsets.equals(delivered)) {
                    throw new InterruptHubException(
                            InterruptHubException.Kind.CONFLICT,
                            "session " + sessionId
                                    + " already reported stopped at textChars " + delivered.textChars() + ", audioMs "
                                    + delivered.audioMs());
                }
                return false;
            }
            if (finalOffsets != null) {
                if (!delivered.equals(Delivered.NONE)
                        && (finalOffsets.textChars() > delivered.textChars()
                                || finalOffsets.audioMs() > delivered.audioMs())) {
                    throw new InterruptHubException(
                            InterruptHubException.Kind.INVALID_INPUT,
                            "final offsets exceed"
                                    + " what the producer reported: textChars " + delivered.textChars() + ", audioMs "
                                    + delivered.audioMs());
                }
                delivered = finalOffsets;
            }
            stoppedAt = now;
            return true;
        }
    }

    /**
     * Passes the point of no return for {@code action}, or refuses because an interrupt came first.
     * Caller holds the device lock, the lock interrupts mark sessions under.
     */
    Commit markCommitted(String action, Instant now, int maxCommits) {
        if (state == SessionState.PAUSED) {
            // The tracker waits for the pause's decision before it asks; this is the last guard.
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT,
                    "session " + sessionId + " is paused: " + action + " waits for the decision");
        }
        if (state == SessionState.INTERRUPTED) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT,
                    "session " + sessionId + " was interrupted: its turn is over, do not run " + action);
        }
        if (state != SessionState.ACTIVE) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId);
        }
        List<Commit> current = commits;
        for (Commit commit : current) {
            if (commit.action().equals(action)) {
                return commit;
            }
        }
        if (current.size() >= maxCommits) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.LIMIT_REACHED,
                    "session " + sessionId + " already holds " + maxCommits + " commits");
        }
        Commit commit = new Commit(sessionId, action, epoch, now);
        List<Commit> next = new ArrayList<>(current.size() + 1);
        next.addAll(current);
        next.add(commit);
        commits = List.copyOf(next);
        return commit;
    }

    Instant createdAt() {
        return createdAt;
    }

    /** The cluster's number of the turn this session belongs to. Caller holds the device lock. */
    void rebase(long clusterEpoch) {
        epoch = clusterEpoch;
    }

    Instant expiresAt() {
        return lastHeartbeatAt.plus(timeout);
    }

    void heartbeat(Instant now) {
        lastHeartbeatAt = now;
    }

    /**
     * Marks this session interrupted and returns the callbacks that now must run (empty list if none).
     * Caller holds the device lock and runs the callbacks after releasing it.
     */
    List<Consumer<InterruptCause>> markInterrupted(InterruptCause interruptCause) {
        synchronized (this) {
            this.cause = interruptCause;
            this.deliveredAtInterrupt = delivered;
            this.state = SessionState.INTERRUPTED;
            pauseCallbacks = List.of();
            resumeCallbacks = List.of();
            if (protectedSections > 0) {
                interruptDeferred = true;
                return List.of();
            }
            return release();
        }
    }

    /** Caller holds this session's lock. */
    private List<Consumer<InterruptCause>> release() {
        this.interrupted = true;
        List<Consumer<InterruptCause>> due = callbacks;
        callbacks = null;
        return due == null ? List.of() : due;
    }

    /**
     * ACTIVE to PAUSED; returns the pause callbacks to run, or null when the session was not active.
     * Caller holds the device lock and runs them after releasing it.
     */
    List<Consumer<Pause>> markPaused() {
        synchronized (this) {
            if (state != SessionState.ACTIVE) {
                return null;
            }
            state = SessionState.PAUSED;
            return pauseCallbacks;
        }
    }

    /** PAUSED to ACTIVE; returns the resume callbacks, or null when it was not paused. Caller holds the device lock. */
    List<Consumer<Pause>> markResumed() {
        synchronized (this) {
            if (state != SessionState.PAUSED) {
                return null;
            }
            state = SessionState.ACTIVE;
            return resumeCallbacks;
        }
    }

    void markFinished(SessionState finalState) {
        synchronized (this) {
            this.state = finalState;
            callbacks = null;
            pauseCallbacks = List.of();
            resumeCallbacks = List.of();
            interruptDeferred = false;
        }
    }

    static void runAll(List<Consumer<InterruptCause>> due, InterruptCause cause) {
        for (Consumer<InterruptCause> callback : due) {
            runIsolated(callback, cause);
        }
    }

    static void runPauseCallbacks(List<Consumer<Pause>> due, Pause pause) {
        for (Consumer<Pause> callback : due) {
            try {
                callback.accept(pause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pause callback failed for device " + pause.hardwareId(), e);
            }
        }
    }

    private static void runIsolated(Consumer<InterruptCause> callback, InterruptCause cause) {
        try {
            callback.accept(cause);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            LOG.log(Level.WARNING, "interrupt callback failed for device " + cause.hardwareId(), e);
        }
    }
}
