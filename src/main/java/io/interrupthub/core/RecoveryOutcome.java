package io.interrupthub.core;

import java.util.Locale;

/** Whether the assistant answered after an interrupt: the turn after the barge-in, watched. */
public enum RecoveryOutcome {
    /** Still waiting for the next turn's first delivery. */
    PENDING,
    /** A session of the next turn delivered its first output within the recovery deadline. */
    RECOVERED,
    /** The recovery deadline passed with no delivery of a next turn: the session went silent after the barge-in. */
    MISSED,
    /** The device was interrupted again first: the later interrupt is watched instead. */
    SUPERSEDED;

    /** The name in metrics and events: {@code recovered}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
