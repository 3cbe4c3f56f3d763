package io.interrupthub.autoconfigure;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.interrupthub.core.Interruptible;
import io.interrupthub.remote.WebhookModule;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the remote workers configured by {@code INTERRUPT_MODULES_<NAME>_URL} (or
 * {@code interrupt.modules.<name>.url}) and makes a {@link WebhookModule} of each. Names come from the
 * variables themselves, since no bean declares these modules.
 */
final class WebhookModules {

    private static final Pattern ENV = Pattern.compile("^INTERRUPT_MODULES_([A-Z0-9_]+)_URL$");
    private static final Pattern PROPERTY = Pattern.compile("^interrupt\\.modules\\.([a-z0-9-]+)\\.url$");
    static final int DEFAULT_MAX_CONCURRENT = 32;

    private WebhookModules() {}

    static Set<String> names(ConfigurableEnvironment environment) {
        Set<String> names = new TreeSet<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (source instanceof EnumerablePropertySource<?> enumerable) {
                for (String property : enumerable.getPropertyNames()) {
                    Matcher env = ENV.matcher(property);
                    Matcher spring = PROPERTY.matcher(property);
                    if (env.matches()) {
                        names.add(env.group(1).toLowerCase(Locale.ROOT));
                    } else if (spring.matches()) {
                        names.add(spring.group(1).replace('-', '_'));
                    }
                }
            }
        }
        return names;
    }

    static Interruptible create(
            String name, ModuleProperties properties, Duration defaultTimeout, HttpClient client, JsonMapper json) {
        Duration timeout = properties.timeout() == null ? defaultTimeout : properties.timeout();
        int maxConcurrent = properties.maxConcurrent() == null ? DEFAULT_MAX_CONCURRENT : properties.maxConcurrent();
        try {
            return new WebhookModule(
                    name, properties.url(), properties.methods(), timeout, maxConcurrent, client, json);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            String field = message.startsWith("max-concurrent")
                    ? "max_concurrent"
                    : message.startsWith("action name") ? "methods" : "url";
            throw new InterruptConfigurationException(
                    EnvironmentVariables.moduleVariable(name, field), e.getMessage(), e);
        }
    }

    static HttpClient client() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }
}
