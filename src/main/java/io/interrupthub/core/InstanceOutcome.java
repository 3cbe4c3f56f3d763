package io.interrupthub.core;

import java.util.List;

/**
 * What another instance of a cluster did for one interrupt. An instance that did not acknowledge
 * within the timeout has {@code acknowledged=false}: its sessions may still be streaming.
 */
public record InstanceOutcome(
        String instance,
        boolean acknowledged,
        boolean success,
        int sessionsInterrupted,
        double durationMs,
        List<ModuleResult> modules) {

    public InstanceOutcome {
        modules = modules == null ? List.of() : List.copyOf(modules);
    }

    public static InstanceOutcome unacknowledged(String instance) {
        return new InstanceOutcome(instance, false, false, 0, 0.0, List.of());
    }
}
