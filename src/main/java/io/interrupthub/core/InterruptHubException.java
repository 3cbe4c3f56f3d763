package io.interrupthub.core;

/**
 * A refused request. The kind says why, so every caller (REST, gRPC, a sibling service) can map it
 * to its own status without parsing messages. The message is safe to show a client.
 */
public final class InterruptHubException extends RuntimeException {

    public enum Kind {
        /** Malformed id, reason or argument. */
        INVALID_INPUT,
        /** No such session. */
        NOT_FOUND,
        /** The request contradicts current state: duplicate session id, epoch from the future. */
        CONFLICT,
        /** A hard cap is reached (sessions, devices); nothing was evicted to make room. */
        LIMIT_REACHED,
        /** {@code GLOBAL_INTERRUPT_ENABLED=false}. */
        DISABLED,
        /**
         * The answer needs the cluster, which cannot give it now (Redis slow or unreachable): nothing was changed,
         * and the same request may succeed when retried.
         */
        UNAVAILABLE
    }

    private final Kind kind;

    public InterruptHubException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
