package io.interrupthub.autoconfigure;

import java.util.Locale;
import java.util.Map;

/** The seed's environment variable behind each property, so errors name what the operator actually set. */
public final class SeedVariables {

    private static final Map<String, String> BY_PROPERTY = Map.of(
            "interrupt.enabled", "GLOBAL_INTERRUPT_ENABLED",
            "interrupt.check-interval", "INTERRUPT_CHECK_INTERVAL",
            "interrupt.timeout", "INTERRUPT_TIMEOUT",
            "interrupt.session-cleanup-delay", "SESSION_CLEANUP_DELAY",
            "interrupt.max-active-sessions", "MAX_ACTIVE_SESSIONS",
            "interrupt.session-timeout", "SESSION_TIMEOUT",
            "interrupt.log-interrupts", "LOG_INTERRUPTS",
            "interrupt.log-timing", "LOG_TIMING");

    private SeedVariables() {
    }

    /** {@code interrupt.timeout} → {@code INTERRUPT_TIMEOUT}; a property with no seed variable gets its env form. */
    public static String variableFor(String property) {
        String seed = BY_PROPERTY.get(property);
        return seed != null ? seed : property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** {@code text_processing}, {@code timeout} → {@code INTERRUPT_MODULES_TEXT_PROCESSING_TIMEOUT}. */
    public static String moduleVariable(String module, String field) {
        return ("INTERRUPT_MODULES_" + module + "_" + field).toUpperCase(Locale.ROOT);
    }

    /** The property prefix a module's settings bind from; its env form is {@code INTERRUPT_MODULES_<NAME>_}. */
    public static String modulePrefix(String module) {
        return "interrupt.modules." + module.replace('_', '-');
    }
}
