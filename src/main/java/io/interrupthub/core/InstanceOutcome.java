package io.interrupthub.core;

import java.util.List;

/**
 * What another instance of a cluster did for one interrupt. An instance that did not acknowledge
 * within the timeout has {@code acknowledged=false}: its sessions may still be streaming.
 * {@code committed} are the side effects its sessions had committed before the interrupt reached them.
 */
public record InstanceOutcome(
        String instance,
        boolean acknowledged,
        boolean success,
        int sessionsInterrupted,
        double durationMs,
        List<ModuleResult> modules,
        List<Commit> committed) {

    public InstanceOutcome {
        modules = modules == null ? List.of() : List.copyOf(modules);
        committed = committed == null ? List.of() : List.copyOf(committed);
    }

    /** An outcome whose sessions had committed nothing. */
    public InstanceOutcome(
            String instance,
            boolean acknowledged,
            boolean success,
            int sessionsInterrupted,
            double durationMs,
            List<ModuleResult> modules) {
        this(instance, acknowledged, success, sessionsInterrupted, durationMs, modules, List.of());
    }

    public static InstanceOutcome unacknowledged(String instance) {
        return new InstanceOutcome(instance, false, false, 0, 0.0, List.of());
    }
}
