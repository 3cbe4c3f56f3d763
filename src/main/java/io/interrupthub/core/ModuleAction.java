package io.interrupthub.core;

import java.util.Objects;
import java.util.regex.Pattern;

/** One named thing a module does on interrupt, e.g. {@code cancel_generation}. */
public record ModuleAction(String name, Body body) {

    /** The seed's action names. Modules may declare others of the same shape. */
    public static final String CANCEL_GENERATION = "cancel_generation";

    public static final String CLEAR_BUFFERS = "clear_buffers";
    public static final String STOP_GENERATION = "stop_generation";
    public static final String INTERRUPT_SESSION = "interrupt_session";
    public static final String CLEAR_CACHE = "clear_cache";

    static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]{0,63}$");

    @FunctionalInterface
    public interface Body {
        void run(InterruptCause cause) throws Exception;
    }

    public ModuleAction {
        Objects.requireNonNull(body, "body");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("action name must match " + NAME.pattern() + ", was " + name);
        }
    }

    public static ModuleAction of(String name, Body body) {
        return new ModuleAction(name, body);
    }
}
