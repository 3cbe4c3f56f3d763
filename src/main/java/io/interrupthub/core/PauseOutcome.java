package io.interrupthub.core;

import java.util.Locale;

/** How a tentative interrupt's pause ended; the ratio of these is the false-interruption rate. */
public enum PauseOutcome {
    /** Resumed by the caller within the window: a false interruption. */
    RESUMED,
    /** Confirmed by a real interrupt within the window. */
    CONFIRMED,
    /** The window ended with no decision and the pause resumed ({@link TentativeExpiry#RESUME}). */
    EXPIRED_RESUMED,
    /** The window ended with no decision and the pause became an interrupt ({@link TentativeExpiry#INTERRUPT}). */
    EXPIRED_INTERRUPTED;

    /** The name in metrics, events and JSON: {@code expired_resumed}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the sessions went on (true) or were interrupted. */
    public boolean resumed() {
        return this == RESUMED || this == EXPIRED_RESUMED;
    }
}
