package io.interrupthub.core;

import java.util.List;

/**
 * What a pause's decision, taken under the device's lock, leaves to carry out after it: the pause it ended, its
 * sessions' callbacks, an interrupt to make, or the refusal to answer.
 */
record PauseStep(
        OpenPause pause,
        Pause ended,
        List<SessionTracker.Held> sessions,
        boolean interruptNext,
        String refusal,
        boolean counted) {

    /** Nothing to carry out: another instance decided, and its decision is still to come here. */
    static final PauseStep NONE = new PauseStep(null, null, List.of(), false, null, false);

    static PauseStep refused(String why) {
        return new PauseStep(null, null, List.of(), false, why, false);
    }

    /** Nothing left to carry out: the answer only. */
    static PauseStep answered(Pause ended) {
        return new PauseStep(null, ended, List.of(), false, null, false);
    }

    /** The pause a resume found open, to decide in the cluster. */
    static PauseStep deciding(OpenPause pause) {
        return new PauseStep(pause, null, List.of(), false, null, false);
    }

    /** A refusal whose pause's window has ended: its expiry is due. */
    PauseStep expiring(OpenPause due) {
        return new PauseStep(due, ended, sessions, interruptNext, refusal, counted);
    }
}
