package io.interrupthub.core;

import java.util.List;

/**
 * A part of the backend that produces or caches work for a device and can be told to stop.
 * Implement it as a bean in a Spring service and it is registered with the manager by itself.
 *
 * <p>Actions are called on a module thread, in the configured order, within the module's timeout.
 * A thread whose module timed out is interrupted, so blocking calls inside an action should let
 * {@link InterruptedException} end them.
 */
public interface Interruptible {

    /** Lower-case words joined by underscores, e.g. {@code text_processing}; names its variables. */
    String moduleName();

    /** The actions this module can take, in the order they run when configuration names none. */
    List<ModuleAction> actions();

    /** A module made of lambdas, for registering with {@link InterruptManager#register} without a class. */
    static Interruptible of(String moduleName, ModuleAction... actions) {
        List<ModuleAction> list = List.of(actions);
        return new Interruptible() {
            @Override
            public String moduleName() {
                return moduleName;
            }

            @Override
            public List<ModuleAction> actions() {
                return list;
            }

            @Override
            public String toString() {
                return "module " + moduleName;
            }
        };
    }
}
