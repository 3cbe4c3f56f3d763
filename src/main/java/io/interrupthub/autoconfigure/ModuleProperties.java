package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.interrupthub.core.ModuleSettings;

/**
 * One module's settings, {@code interrupt.modules.<name>.*} or {@code INTERRUPT_MODULES_<NAME>_*}.
 *
 * @param enabled null means enabled
 * @param timeout null means {@code INTERRUPT_TIMEOUT}
 * @param methods actions to run in order; empty means all declared
 */
public record ModuleProperties(Boolean enabled, @SeedDuration Duration timeout, List<String> methods) {

    static final ModuleProperties NONE = new ModuleProperties(null, null, List.of());

    ModuleSettings toSettings() {
        return new ModuleSettings(enabled == null || enabled, timeout, methods);
    }
}
