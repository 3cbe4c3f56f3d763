package io.interrupthub.core;

import java.util.List;

/** The seed's statistics at one instant: totals, per-module counts, flags, sessions and latency. */
public record StatisticsSnapshot(
        boolean enabled,
        Interrupts interrupts,
        List<ModuleStats> modules,
        Flags flags,
        Sessions sessions,
        Latency latency) {

    /** Every interrupt request: finished with all modules OK, with some not OK, joined a running one, or refused. */
    public record Interrupts(long total, long succeeded, long failed, long coalesced, long rejected) {}

    public record ModuleStats(
            String module, boolean enabled, List<String> actions, long ok, long failed, long timedOut, long disabled) {}

    public record Flags(long active, long devicesTracked) {}

    public record Sessions(
            int active,
            int maxActive,
            int interruptedPendingRemoval,
            long opened,
            long ended,
            long interrupted,
            long expired,
            long rejected) {}

    /** Over the most recent {@code window} interrupts that ran a fan-out. */
    public record Latency(int window, double meanMs, double p50Ms, double p99Ms, double maxMs) {}
}
