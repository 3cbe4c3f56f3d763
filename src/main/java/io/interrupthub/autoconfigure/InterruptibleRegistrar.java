package io.interrupthub.autoconfigure;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleSettings;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.ConfigurableEnvironment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Once all singletons exist, registers with the manager every module the application has: its
 * {@link Interruptible} beans, its {@link OnInterrupt} methods, and the remote workers configured by
 * {@code INTERRUPT_MODULES_<NAME>_URL}, each with its own settings; then every {@link InterruptListener}
 * bean. A bad module setting stops start-up with the variable's name.
 */
final class InterruptibleRegistrar implements SmartInitializingSingleton {

    private final ObjectProvider<InterruptManager> manager;
    private final ObjectProvider<Interruptible> modules;
    private final ObjectProvider<InterruptListener> listeners;
    private final OnInterruptMethods annotated;
    private final ObjectProvider<JsonMapper> json;
    private final ConfigurableEnvironment environment;

    InterruptibleRegistrar(
            ObjectProvider<InterruptManager> manager,
            ObjectProvider<Interruptible> modules,
            ObjectProvider<InterruptListener> listeners,
            OnInterruptMethods annotated,
            ObjectProvider<JsonMapper> json,
            ConfigurableEnvironment environment) {
        this.manager = manager;
        this.modules = modules;
        this.listeners = listeners;
        this.annotated = annotated;
        this.json = json;
        this.environment = environment;
    }

    @Override
    public void afterSingletonsInstantiated() {
        InterruptManager target = manager.getObject();
        ModuleSettingsBinder binder = new ModuleSettingsBinder(environment);
        configure(
                "session_management", "*", () -> target.configureSessionManagement(binder.bind("session_management")));

        List<Interruptible> all = new ArrayList<>();
        modules.orderedStream().forEach(all::add);
        all.addAll(annotated.modules());
        HttpClient client = null;
        for (String name : WebhookModules.names(environment)) {
            ModuleProperties properties = configure(name, "url", () -> binder.bindProperties(name));
            client = client == null ? WebhookModules.client() : client;
            all.add(WebhookModules.create(
                    name,
                    properties,
                    target.settings().interruptTimeout(),
                    client,
                    json.getIfAvailable(JsonMapper::shared)));
        }
        for (Interruptible module : all) {
            String name = module.moduleName() == null ? "unnamed" : module.moduleName();
            configure(name, "methods", () -> {
                ModuleSettings settings = binder.bind(name);
                target.register(module, settings);
                return null;
            });
        }
        listeners.orderedStream().forEach(target::addListener);
    }

    private static void configure(String module, String field, Runnable step) {
        configure(module, field, () -> {
            step.run();
            return null;
        });
    }

    /** Runs a registration step; a refusal becomes a start-up error naming the module's variable. */
    private static <T> T configure(String module, String field, Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage() == null ? "invalid" : e.getMessage();
            String variable = message.contains("action")
                    ? EnvironmentVariables.moduleVariable(module, "methods")
                    : message.contains("already registered") || message.contains("module name")
                            ? EnvironmentVariables.moduleVariable(module, "*")
                            : EnvironmentVariables.moduleVariable(module, field);
            throw new InterruptConfigurationException(variable, message, e);
        }
    }
}
