package io.interrupthub.core;

/**
 * Told what happened, after it happened. Called on the thread that made the change; keep it short
 * and never block. A listener that throws is logged and does not affect the interrupt or others.
 */
public interface InterruptListener {

    /**
     * An interrupt has bumped the epoch, set the flag and marked the sessions listed; its modules are
     * being called now. The earliest moment a remote worker can be told. Not called for callers that
     * joined a running interrupt (same epoch).
     */
    default void interruptStarted(InterruptCause cause, java.util.List<String> sessionIds) {
    }

    /** A fan-out finished; called once per epoch, before any caller sees the result. */
    default void interruptCompleted(InterruptResult result) {
    }

    /** A session was opened, interrupted, ended or expired. */
    default void sessionChanged(SessionInfo session) {
    }
}
