package io.interrupthub.autoconfigure;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Turns a bad interrupt setting into one line that names the environment variable the operator set,
 * instead of Boot's generic binding report about {@code interrupt.*} properties.
 */
public final class InterruptConfigurationFailureAnalyzer implements FailureAnalyzer, Ordered {

    private final Environment environment;

    public InterruptConfigurationFailureAnalyzer() {
        this(null);
    }

    /** Boot passes the environment, so a value bound through a placeholder is shown as the operator set it. */
    public InterruptConfigurationFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        InterruptConfigurationException ours = find(failure, InterruptConfigurationException.class);
        if (ours != null) {
            return new FailureAnalysis(
                    ours.getMessage(), "Fix " + ours.variable() + " or unset it to use the default.", ours);
        }
        BindException bind = find(failure, BindException.class);
        if (bind == null || !bind.getName().toString().startsWith("interrupt")) {
            return null;
        }
        String description = describe(bind);
        return description == null
                ? null
                : new FailureAnalysis(
                        description, "Fix the variable named above or unset it to use the default.", bind);
    }

    private String describe(BindException bind) {
        BindValidationException validation = find(bind, BindValidationException.class);
        if (validation != null) {
            for (ObjectError error : validation.getValidationErrors()) {
                if (error instanceof FieldError field) {
                    String property = kebab(validation.getValidationErrors().getName() + "." + field.getField());
                    Object value = validation.getValidationErrors().getBoundProperties().stream()
                            .filter(bound -> bound.getName().toString().equals(property))
                            .map(ConfigurationProperty::getValue)
                            .map(this::resolved)
                            .findFirst()
                            .orElse(field.getRejectedValue());
                    return EnvironmentVariables.variableFor(property) + ": '" + value + "' "
                            + field.getDefaultMessage();
                }
            }
            return null;
        }
        String property = bind.getName().toString();
        Object value = bind.getProperty() == null ? null : bind.getProperty().getValue();
        return EnvironmentVariables.variableFor(property) + ": '" + resolved(value) + "' is not valid: "
                + ModuleSettingsBinder.rootMessage(bind);
    }

    private Object resolved(Object value) {
        if (environment != null && value instanceof String text && text.contains("${")) {
            return environment.resolvePlaceholders(text);
        }
        return value;
    }

    /** Validation reports record components in camel case; properties are kebab case. */
    private static String kebab(String property) {
        return property.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
