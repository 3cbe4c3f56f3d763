package io.interrupthub.autoconfigure;

import java.util.Locale;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * The service's environment variables ({@code GLOBAL_INTERRUPT_ENABLED}, {@code INTERRUPT_TIMEOUT},
 * {@code INTERRUPT_API_KEYS}, ...) as the properties they set. Several do not follow their property's name
 * ({@code GLOBAL_INTERRUPT_ENABLED} sets {@code interrupt.enabled}), so Spring's relaxed binding alone would
 * miss them; this adds one property source, of lowest precedence, that answers each property with its
 * variable. Any property source an operator writes ({@code application.yml}, {@code --interrupt.timeout=})
 * still wins, as it did when the service mapped the variables in its own defaults file. The variables may
 * also be given as properties (a test's property values, {@code -DINTERRUPT_TIMEOUT=}). Errors name the
 * variable the operator set.
 */
public final class EnvironmentVariables implements EnvironmentPostProcessor {

    /** The property each variable sets. */
    private static final Map<String, String> BY_PROPERTY = Map.ofEntries(
            Map.entry("interrupt.enabled", "GLOBAL_INTERRUPT_ENABLED"),
            Map.entry("interrupt.check-interval", "INTERRUPT_CHECK_INTERVAL"),
            Map.entry("interrupt.timeout", "INTERRUPT_TIMEOUT"),
            Map.entry("interrupt.session-cleanup-delay", "SESSION_CLEANUP_DELAY"),
            Map.entry("interrupt.max-active-sessions", "MAX_ACTIVE_SESSIONS"),
            Map.entry("interrupt.session-timeout", "SESSION_TIMEOUT"),
            Map.entry("interrupt.log-interrupts", "LOG_INTERRUPTS"),
            Map.entry("interrupt.log-timing", "LOG_TIMING"),
            Map.entry("interrupt.silence-deadline", "INTERRUPT_SILENCE_DEADLINE"),
            Map.entry("interrupt.recovery-deadline", "INTERRUPT_RECOVERY_DEADLINE"),
            Map.entry("interrupt.resume-window", "INTERRUPT_RESUME_WINDOW"),
            Map.entry("interrupt.tentative-expiry", "INTERRUPT_TENTATIVE_EXPIRY"),
            Map.entry("interrupt.api.keys", "INTERRUPT_API_KEYS"),
            Map.entry("interrupt.cluster.enabled", "INTERRUPT_CLUSTER_ENABLED"),
            Map.entry("interrupt.cluster.instance", "INTERRUPT_CLUSTER_INSTANCE"),
            Map.entry("interrupt.grpc.enabled", "INTERRUPT_GRPC_ENABLED"),
            Map.entry("interrupt.grpc.port", "INTERRUPT_GRPC_PORT"),
            Map.entry("interrupt.console.enabled", "INTERRUPT_CONSOLE_ENABLED"),
            Map.entry("interrupt.reference.enabled", "INTERRUPT_REFERENCE_ENABLED"));

    static final String SOURCE_NAME = "interruptEnvironmentVariables";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        addTo(environment);
    }

    /** Adds the variables' property source once, last. */
    public static void addTo(ConfigurableEnvironment environment) {
        if (!environment.getPropertySources().contains(SOURCE_NAME)) {
            environment.getPropertySources().addLast(new Source(environment));
        }
    }

    /** {@code interrupt.timeout} → {@code INTERRUPT_TIMEOUT}; a property with no variable of its own gets its env form. */
    public static String variableFor(String property) {
        String named = BY_PROPERTY.get(property);
        return named != null
                ? named
                : property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** {@code text_processing}, {@code timeout} → {@code INTERRUPT_MODULES_TEXT_PROCESSING_TIMEOUT}. */
    public static String moduleVariable(String module, String field) {
        return ("INTERRUPT_MODULES_" + module + "_" + field).toUpperCase(Locale.ROOT);
    }

    /** The property prefix a module's settings bind from; its env form is {@code INTERRUPT_MODULES_<NAME>_}. */
    public static String modulePrefix(String module) {
        return "interrupt.modules." + module.replace('_', '-');
    }

    /**
     * Answers {@code interrupt.enabled} with the value of {@code GLOBAL_INTERRUPT_ENABLED}, and so on, looked up
     * in the environment's other sources (the process environment, or a test's property values) at each read.
     */
    private static final class Source extends EnumerablePropertySource<Map<String, String>> {

        // Not the source object: Boot walks into a source that is an environment, which would lead back here.
        private final ConfigurableEnvironment environment;

        Source(ConfigurableEnvironment environment) {
            super(SOURCE_NAME, BY_PROPERTY);
            this.environment = environment;
        }

        @Override
        public String[] getPropertyNames() {
            return BY_PROPERTY.keySet().stream()
                    .filter(property -> getProperty(property) != null)
                    .toArray(String[]::new);
        }

        @Override
        public Object getProperty(String name) {
            String variable = BY_PROPERTY.get(name);
            if (variable == null) {
                return null;
            }
            // The raw sources only: not this one, nor Boot's view over all of them, which would ask this one again.
            for (PropertySource<?> source : environment.getPropertySources()) {
                if (source != this && !source.getName().equals("configurationProperties")) {
                    Object value = source.getProperty(variable);
                    if (value != null) {
                        return value;
                    }
                }
            }
            return null;
        }
    }
}
