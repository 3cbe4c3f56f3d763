package io.interrupthub.autoconfigure;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleSettings;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Registers every {@link Interruptible} and {@link InterruptListener} bean with the manager once all
 * singletons exist, binding each module's own settings; a bad module setting stops start-up.
 */
final class InterruptibleRegistrar implements SmartInitializingSingleton {

    private final ObjectProvider<InterruptManager> manager;
    private final ObjectProvider<Interruptible> modules;
    private final ObjectProvider<InterruptListener> listeners;
    private final ConfigurableEnvironment environment;

    InterruptibleRegistrar(ObjectProvider<InterruptManager> manager, ObjectProvider<Interruptible> modules,
                           ObjectProvider<InterruptListener> listeners, ConfigurableEnvironment environment) {
        this.manager = manager;
        this.modules = modules;
        this.listeners = listeners;
        this.environment = environment;
    }

    @Override
    public void afterSingletonsInstantiated() {
        InterruptManager manager = this.manager.getObject();
        ModuleSettingsBinder binder = new ModuleSettingsBinder(environment);
        configure("session_management", () -> manager.configureSessionManagement(binder.bind("session_management")));
        modules.orderedStream().forEach(module -> {
            String name = module.moduleName();
            configure(name == null ? "unnamed" : name, () -> {
                ModuleSettings settings = binder.bind(name);
                manager.register(module, settings);
            });
        });
        listeners.orderedStream().forEach(manager::addListener);
    }

    private static void configure(String module, Runnable step) {
        try {
            step.run();
        } catch (IllegalArgumentException e) {
            String variable = e.getMessage() != null && e.getMessage().contains("action")
                    ? SeedVariables.moduleVariable(module, "methods")
                    : SeedVariables.moduleVariable(module, "*");
            throw new InterruptConfigurationException(variable, e.getMessage(), e);
        }
    }
}
