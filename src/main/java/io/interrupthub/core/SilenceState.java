package io.interrupthub.core;

/** Whether the output an interrupt cut has actually gone quiet at the playback edge. */
public enum SilenceState {
    /** Some session the interrupt marked has not yet said its output is silent; the deadline has not passed. */
    PENDING,
    /** Every session the interrupt marked reported stopped, or was ended, within the silence deadline. */
    CONFIRMED,
    /** The silence deadline passed first; {@link SilenceReport#pendingSessions()} names the sessions still heard. */
    MISSED
}
