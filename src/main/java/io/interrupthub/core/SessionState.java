package io.interrupthub.core;

/** Where a session is in its life. {@code ACTIVE} and {@code PAUSED} are open; the others are final. */
public enum SessionState {
    ACTIVE,
    /** Held by a tentative interrupt: output waits, nothing is dropped; it resumes or is interrupted. */
    PAUSED,
    INTERRUPTED,
    ENDED,
    EXPIRED;

    /** Open: counts against the session cap, takes heartbeats, can be interrupted. */
    public boolean isOpen() {
        return this == ACTIVE || this == PAUSED;
    }
}
