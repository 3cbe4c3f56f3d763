package io.interrupthub.autoconfigure;

import java.time.Duration;

import io.interrupthub.core.ModuleSettings;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Binds a module's settings once its name is known. Module names are not known when properties are
 * bound (they come from beans), and environment variables cannot carry map keys with underscores, so
 * each module's prefix is bound on its own: {@code interrupt.modules.text-processing.timeout} is what
 * {@code INTERRUPT_MODULES_TEXT_PROCESSING_TIMEOUT} maps to by Spring's relaxed binding.
 */
final class ModuleSettingsBinder {

    private final Binder binder;

    ModuleSettingsBinder(ConfigurableEnvironment environment) {
        ApplicationConversionService conversion = new ApplicationConversionService();
        conversion.addConverter(new PlainSecondsConverter());
        this.binder = new Binder(
                ConfigurationPropertySources.get(environment),
                new PropertySourcesPlaceholdersResolver(environment),
                conversion);
    }

    ModuleSettings bind(String module) {
        return bindProperties(module).toSettings();
    }

    ModuleProperties bindProperties(String module) {
        ModuleProperties properties;
        try {
            properties = binder.bind(EnvironmentVariables.modulePrefix(module), Bindable.of(ModuleProperties.class))
                    .orElse(ModuleProperties.NONE);
        } catch (BindException e) {
            String field = e.getName() == null
                    ? ""
                    : e.getName()
                            .getLastElement(
                                    org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form
                                            .DASHED)
                            .replace('-', '_');
            String variable = EnvironmentVariables.moduleVariable(module, field.isEmpty() ? "*" : field);
            throw new InterruptConfigurationException(variable, rootMessage(e), e);
        }
        Duration timeout = properties.timeout();
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InterruptConfigurationException(
                    EnvironmentVariables.moduleVariable(module, "timeout"),
                    "must be a positive duration, was " + timeout,
                    null);
        }
        return properties;
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
