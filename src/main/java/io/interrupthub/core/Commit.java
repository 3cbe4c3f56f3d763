package io.interrupthub.core;

import java.time.Instant;

/**
 * A side effect of a session's turn that passed the point of no return: it was decided before any
 * interrupt reached the session, so it may run, and an interrupt that comes later lists it.
 */
public record Commit(String sessionId, String action, long epoch, Instant committedAt) {

    /** Same rules as ids, shorter: the name appears in results, metrics-free logs and the console. */
    static final int MAX_ACTION_LENGTH = 64;

    static String requireAction(String action) {
        if (action == null || action.length() > MAX_ACTION_LENGTH || !HardwareIds.isValid(action)) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT,
                    "action must match " + HardwareIds.PATTERN + " and be at most " + MAX_ACTION_LENGTH
                            + " characters");
        }
        return action;
    }
}
