package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The handle a streaming loop holds for one session. {@link #isInterrupted()} is a single volatile
 * read, cheap enough to call for every chunk; {@link #onInterrupt(Consumer)} is the push signal.
 *
 * <p>State changes happen under the owning device's lock in {@link SessionTracker}; readers see them
 * through volatile fields without locking.
 */
public final class Session {

    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private final String sessionId;
    private final String hardwareId;
    private final long epoch;
    private final Instant createdAt;
    private final Duration timeout;
    private final int maxCallbacks;

    private volatile boolean interrupted;
    private volatile SessionState state = SessionState.ACTIVE;
    private volatile Instant lastHeartbeatAt;
    private volatile InterruptCause cause;

    // Guarded by this; null once the callbacks have been handed out to run.
    private List<Consumer<InterruptCause>> callbacks = new ArrayList<>(2);

    // Position in the tracker's deadline queue; guarded by the device lock.
    volatile Deadline deadline;

    Session(String sessionId, String hardwareId, long epoch, Instant createdAt, Duration timeout, int maxCallbacks) {
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

    /** True once an interrupt has reached this session; stays true. */
    public boolean isInterrupted() {
        return interrupted;
    }

    /** Why it was interrupted, once it was. */
    public Optional<InterruptCause> interruptCause() {
        return Optional.ofNullable(cause);
    }

    /**
     * Runs {@code callback} when this session is interrupted, or at once on this thread if it already is.
     * Callbacks are isolated: one that throws does not keep the others from running.
     *
     * @throws IllegalStateException when the session already holds its maximum of callbacks
     */
    public void onInterrupt(Consumer<InterruptCause> callback) {
        synchronized (this) {
            if (callbacks != null) {
                if (callbacks.size() >= maxCallbacks) {
                    throw new IllegalStateException("session " + sessionId + " already holds " + maxCallbacks
                            + " interrupt callbacks");
                }
                callbacks.add(callback);
                return;
            }
        }
        runIsolated(callback, cause);
    }

    /** Convenience for callbacks that do not need the cause. */
    public void onInterrupt(Runnable callback) {
        onInterrupt(ignored -> callback.run());
    }

    public SessionInfo info() {
        InterruptCause c = cause;
        Instant heartbeat = lastHeartbeatAt;
        return new SessionInfo(sessionId, hardwareId, state, epoch, createdAt, heartbeat, heartbeat.plus(timeout),
                c == null ? null : c.at());
    }

    Instant createdAt() {
        return createdAt;
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
        this.cause = interruptCause;
        this.state = SessionState.INTERRUPTED;
        this.interrupted = true;
        synchronized (this) {
            List<Consumer<InterruptCause>> due = callbacks;
            callbacks = null;
            return due;
        }
    }

    void markFinished(SessionState finalState) {
        this.state = finalState;
        synchronized (this) {
            callbacks = null;
        }
    }

    static void runAll(List<Consumer<InterruptCause>> due, InterruptCause cause) {
        for (Consumer<InterruptCause> callback : due) {
            runIsolated(callback, cause);
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
