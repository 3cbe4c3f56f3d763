package io.interrupthub.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.interrupthub.core.ModuleSettings;

/**
 * One module's settings, {@code interrupt.modules.<name>.*} or {@code INTERRUPT_MODULES_<NAME>_*}.
 *
 * @param enabled null means enabled
 * @param timeout null means {@code INTERRUPT_TIMEOUT}
 * @param methods actions to run in order; empty means all declared
 * @param url     for a remote worker: where each action is POSTed ({@code INTERRUPT_MODULES_<NAME>_URL})
 * @param maxConcurrent for a remote worker: calls in flight at once (default 32)
 */
public record ModuleProperties(
        Boolean enabled, @PlainSeconds Duration timeout, List<String> methods, URI url, Integer maxConcurrent) {

    static final ModuleProperties NONE = new ModuleProperties(null, null, List.of(), null, null);

    ModuleSettings toSettings() {
        return new ModuleSettings(enabled == null || enabled, timeout, methods);
    }
}
