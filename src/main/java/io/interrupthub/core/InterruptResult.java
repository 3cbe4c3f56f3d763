package io.interrupthub.core;

import java.time.Instant;
import java.util.List;

/**
 * What one interrupt did. {@code success} is true when every enabled module ended {@code OK}.
 * Callers whose interrupts coalesced into one fan-out share one result. {@code delivered} holds, for
 * each session the interrupt reached, how far its output had reached the user at that moment.
 * In a cluster, {@code instances} holds the other instances' outcomes; {@code sessionsInterrupted}
 * counts theirs too, and {@code success} needs every one of them to have acknowledged and succeeded.
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
        List<SessionDelivery> delivered,
        List<InstanceOutcome> instances) {

    public InterruptResult {
        modules = List.copyOf(modules);
        delivered = delivered == null ? List.of() : List.copyOf(delivered);
        instances = instances == null ? List.of() : List.copyOf(instances);
    }

    /** A result of one process, with no other instances. */
    public InterruptResult(String hardwareId, long epoch, boolean success, String reason, String source,
                           int sessionsInterrupted, double durationMs, Instant startedAt, List<ModuleResult> modules,
                           List<SessionDelivery> delivered) {
        this(hardwareId, epoch, success, reason, source, sessionsInterrupted, durationMs, startedAt, modules,
                delivered, List.of());
    }

    /** Instances that were expected to apply this interrupt and did not say they had, in time. */
    public List<String> unacknowledged() {
        return instances.stream().filter(i -> !i.acknowledged()).map(InstanceOutcome::instance).toList();
    }
}
