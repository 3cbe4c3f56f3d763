package io.interrupthub.core;

import java.time.Duration;
import java.util.List;

/**
 * How one module takes interrupts ({@code INTERRUPT_MODULES_<NAME>_*}).
 *
 * @param enabled whether it is called at all
 * @param timeout budget for all its actions together; null means {@code INTERRUPT_TIMEOUT}
 * @param methods actions to run, in this order; empty means all declared actions in declared order
 */
public record ModuleSettings(boolean enabled, Duration timeout, List<String> methods) {

    public ModuleSettings {
        methods = methods == null ? List.of() : List.copyOf(methods);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    public static ModuleSettings defaults() {
        return new ModuleSettings(true, null, List.of());
    }

    public static ModuleSettings disabled() {
        return new ModuleSettings(false, null, List.of());
    }

    public static ModuleSettings withTimeout(Duration timeout) {
        return new ModuleSettings(true, timeout, List.of());
    }
}
