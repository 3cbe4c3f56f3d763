package io.interrupthub.core;

import java.time.Instant;

/**
 * The turn after an interrupt: whether the device's next turn delivered output, and how soon.
 *
 * @param epoch        the interrupt's epoch (the cluster's number once it gave one)
 * @param interruptedAt when the interrupt began
 * @param recoveredMs  from the interrupt to the next turn's first delivery; null unless {@code RECOVERED}
 * @param sessionId    the session whose delivery recovered it; null unless {@code RECOVERED}
 */
public record RecoveryReport(
        String hardwareId,
        long epoch,
        RecoveryOutcome outcome,
        Instant interruptedAt,
        Double recoveredMs,
        String sessionId) {}
