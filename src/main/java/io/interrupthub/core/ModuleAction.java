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

    /**
     * Called when a tentative interrupt holds the device's output: hold, do not drop. Never part of an
     * interrupt; a module that declares it is called on pause with the pause's reason and the device's epoch.
     */
    public static final String PAUSE = "pause";

    /** Called when a pause is resumed: go on from where the output was held. Never part of an interrupt. */
    public static final String RESUME = "resume";

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
