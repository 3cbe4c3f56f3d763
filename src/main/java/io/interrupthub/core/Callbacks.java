package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Consumer;

/** Runs sessions' callbacks, each isolated: one that throws is logged and keeps none of the others from running. */
final class Callbacks {

    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private Callbacks() {}

    static void runAll(List<Consumer<InterruptCause>> due, InterruptCause cause) {
        for (Consumer<InterruptCause> callback : due) {
            runIsolated(callback, cause);
        }
    }

    static void runPause(List<Consumer<Pause>> due, Pause pause) {
        for (Consumer<Pause> callback : due) {
            try {
                callback.accept(pause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pause callback failed for device " + pause.hardwareId(), e);
            }
        }
    }

    static void runIsolated(Consumer<InterruptCause> callback, InterruptCause cause) {
        try {
            callback.accept(cause);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            LOG.log(Level.WARNING, "interrupt callback failed for device " + cause.hardwareId(), e);
        }
    }
}
