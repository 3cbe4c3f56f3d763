package io.interrupthub.core;

/** One module's part of an {@link InterruptResult}; {@code error} is null unless it failed or timed out. */
public record ModuleResult(String module, ModuleOutcome outcome, double durationMs, String error) {

    static ModuleResult ok(String module, long nanos) {
        return new ModuleResult(module, ModuleOutcome.OK, Durations.millis(nanos), null);
    }

    static ModuleResult disabled(String module) {
        return new ModuleResult(module, ModuleOutcome.DISABLED, 0.0, null);
    }
}
