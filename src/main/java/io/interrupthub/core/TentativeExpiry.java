package io.interrupthub.core;

/** What a tentative interrupt's pause becomes when its resume window ends with no decision. */
public enum TentativeExpiry {
    /** The sessions go on where they paused: a sound without words was a false interruption. */
    RESUME,
    /** The pause becomes a real interrupt, as if the caller had confirmed it. */
    INTERRUPT
}
