package io.interrupthub.core;

import java.time.Instant;
import java.util.List;

/**
 * What one interrupt did. {@code success} is true when every enabled module ended {@code OK}.
 * Callers whose interrupts coalesced into one fan-out share one result.
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
        List<ModuleResult> modules) {

    public InterruptResult {
        modules = List.copyOf(modules);
    }
}
