package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The registered modules. Registration is rare and the fan-out reads on every interrupt, so the list
 * is copied on write and read through one volatile field.
 */
final class ModuleRegistry {

    /** A module with its settings resolved: the actions that run, in order, and the timeout that bounds them. */
    record Registered(
            Interruptible module,
            String name,
            boolean enabled,
            Duration timeout,
            List<ModuleAction> actions,
            List<String> declared,
            List<ModuleAction> pauseActions,
            List<ModuleAction> resumeActions) {

        ModuleInfo info() {
            return new ModuleInfo(
                    name,
                    enabled,
                    timeout,
                    declared,
                    actions.stream().map(ModuleAction::name).toList());
        }
    }

    static final String SESSION_MANAGEMENT = "session_management";

    private final Duration defaultTimeout;
    private volatile List<Registered> modules = List.of();
    private volatile Registered sessionManagement;

    ModuleRegistry(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
        this.sessionManagement = resolve(new BuiltInSessionModule(), ModuleSettings.defaults());
    }

    List<Registered> modules() {
        return modules;
    }

    Registered sessionManagement() {
        return sessionManagement;
    }

    synchronized void configureSessionManagement(ModuleSettings settings) {
        sessionManagement = resolve(sessionManagement.module(), settings);
    }

    synchronized void register(Interruptible module, ModuleSettings settings) {
        Objects.requireNonNull(module, "module");
        String name = module.moduleName();
        if (SESSION_MANAGEMENT.equals(name)) {
            throw new IllegalArgumentException("module name " + SESSION_MANAGEMENT
                    + " is the built-in session module; configure it, do not register another");
        }
        Registered registered = resolve(module, settings);
        if (modules.stream().anyMatch(m -> m.name().equals(name))) {
            throw new IllegalArgumentException("module " + name + " is already registered");
        }
        List<Registered> copy = new ArrayList<>(modules);
        copy.add(registered);
        modules = List.copyOf(copy);
    }

    synchronized boolean unregister(String name) {
        List<Registered> copy = new ArrayList<>(modules);
        boolean removed = copy.removeIf(m -> m.name().equals(name));
        modules = List.copyOf(copy);
        return removed;
    }

    List<ModuleInfo> infos() {
        List<ModuleInfo> infos = new ArrayList<>();
        infos.add(sessionManagement.info());
        modules.forEach(m -> infos.add(m.info()));
        return infos;
    }

    private Registered resolve(Interruptible module, ModuleSettings settings) {
        String name = module.moduleName();
        if (name == null || !ModuleAction.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "module name must match " + ModuleAction.NAME.pattern() + ", was " + name);
        }
        Objects.requireNonNull(settings, "settings");
        Map<String, ModuleAction> declared = new LinkedHashMap<>();
        for (ModuleAction action : Objects.requireNonNull(module.actions(), "actions")) {
            if (declared.putIfAbsent(action.name(), action) != null) {
                throw new IllegalArgumentException("module " + name + " declares action " + action.name() + " twice");
            }
        }
        if (declared.isEmpty()) {
            throw new IllegalArgumentException("module " + name + " declares no actions");
        }
        ModuleAction pause = declared.get(ModuleAction.PAUSE);
        ModuleAction resume = declared.get(ModuleAction.RESUME);
        if (declared.size() == (pause == null ? 0 : 1) + (resume == null ? 0 : 1)) {
            throw new IllegalArgumentException("module " + name + " declares no interrupt action (only pause/resume)");
        }
        List<ModuleAction> chosen = new ArrayList<>();
        if (settings.methods().isEmpty()) {
            declared.values().stream().filter(a -> a != pause && a != resume).forEach(chosen::add);
        } else {
            Set<String> seen = new HashSet<>();
            for (String method : settings.methods()) {
                ModuleAction action = declared.get(method);
                if (action == null) {
                    throw new IllegalArgumentException("module " + name + " has no action '" + method
                            + "' (it declares " + String.join(", ", declared.keySet()) + ")");
                }
                if (action == pause || action == resume) {
                    throw new IllegalArgumentException("module " + name + ": '" + method
                            + "' runs on a tentative interrupt's pause or resume, not as an interrupt method");
                }
                if (!seen.add(method)) {
                    throw new IllegalArgumentException("module " + name + " lists action '" + method + "' twice");
                }
                chosen.add(action);
            }
        }
        Duration timeout = settings.timeout() == null ? defaultTimeout : settings.timeout();
        return new Registered(
                module,
                name,
                settings.enabled(),
                timeout,
                List.copyOf(chosen),
                List.copyOf(declared.keySet()),
                pause == null ? List.of() : List.of(pause),
                resume == null ? List.of() : List.of(resume));
    }

    /**
     * Stands for the built-in module in configuration and results; the manager runs its one action
     * itself, under the device lock, because marking sessions must be ordered with session opens.
     */
    private static final class BuiltInSessionModule implements Interruptible {
        @Override
        public String moduleName() {
            return SESSION_MANAGEMENT;
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(ModuleAction.of(ModuleAction.INTERRUPT_SESSION, cause -> {}));
        }
    }
}
