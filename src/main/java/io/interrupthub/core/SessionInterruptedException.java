package io.interrupthub.core;

/**
 * Thrown by {@link Session#throwIfInterrupted()} to unwind a producer's stack at its next checkpoint.
 * Carries no stack trace: it is control flow, thrown once per interrupted turn.
 */
public final class SessionInterruptedException extends RuntimeException {

    private final transient InterruptCause cause;

    SessionInterruptedException(String sessionId, InterruptCause cause) {
        super(
                "session " + sessionId + " was interrupted at epoch " + cause.epoch() + " (" + cause.reason() + ")",
                null,
                false,
                false);
        this.cause = cause;
    }

    public InterruptCause interruptCause() {
        return cause;
    }
}
