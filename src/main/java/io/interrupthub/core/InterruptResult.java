package io.interrupthub.core;

import java.time.Instant;
import java.util.List;

/**
 * What one interrupt did. {@code success} is true when every enabled module ended {@code OK}.
 * Callers whose interrupts coalesced into one fan-out share one result. {@code delivered} holds, for
 * each session the interrupt reached, how far its output had reached the user at that moment.
 */
public record InterruptResult(
        String hardwareId,
        long epoch,
        boolean success,
        String reason,
        String source,
        int sessionsInterrupted,
        double durationMs,
        Instant startedAt,
        List<ModuleResult> modules,
        List<SessionDelivery> delivered) {

    public InterruptResult {
        modules = List.copyOf(modules);
        delivered = delivered == null ? List.of() : List.copyOf(delivered);
    }
}
