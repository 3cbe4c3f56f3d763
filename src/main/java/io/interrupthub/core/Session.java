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
    private final long epoch;
    private final Instant createdAt;
    private final Duration timeout;
    private final int maxCallbacks;

    private volatile boolean interrupted;
    private volatile SessionState state = SessionState.ACTIVE;
    private volatile Instant lastHeartbeatAt;
    private volatile InterruptCause cause;
    private volatile Delivered delivered = Delivered.NONE;
    private volatile Delivered deliveredAtInterrupt;

    // Guarded by this; null once the callbacks have been handed out to run. Most sessions never register
    // one (a loop that polls isInterrupted()), so the list is made by the first: 48 bytes less per session.
    private List<Consumer<InterruptCause>> callbacks = List.of();
    // Guarded by this: open non-interruptible sections, and an interrupt that waits for them to close.
    private int protectedSections;
    private boolean interruptDeferred;

    // Position in the tracker's deadline queue; guarded by the device lock.
    volatile Deadline deadline;
    // Opened in a cluster that could not be reached, so its epoch was not the cluster's; device lock.
    boolean provisional;

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

    /**
     * True once an interrupt has reached this session (and no non-interruptible section holds it back);
     * stays true. The session's {@link #state()} is the service's view and turns {@code INTERRUPTED} at once.
     */
    public boolean isInterrupted() {
        return interrupted;
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

        private Section() {
        }

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
                    throw new IllegalStateException("session " + sessionId + " already holds " + maxCallbacks
                            + " interrupt callbacks");
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

    public SessionInfo info() {
        InterruptCause c = cause;
        Instant heartbeat = lastHeartbeatAt;
        return new SessionInfo(sessionId, hardwareId, state, epoch, createdAt, heartbeat, heartbeat.plus(timeout),
                c == null ? null : c.at(), delivered);
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
        synchronized (this) {
            this.cause = interruptCause;
            this.deliveredAtInterrupt = delivered;
            this.state = SessionState.INTERRUPTED;
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

    void markFinished(SessionState finalState) {
        synchronized (this) {
            this.state = finalState;
            callbacks = null;
            interruptDeferred = false;
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
