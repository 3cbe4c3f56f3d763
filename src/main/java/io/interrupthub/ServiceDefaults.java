package io.interrupthub;

import java.io.IOException;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.PropertySource;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.io.support.EncodedResource;
import org.springframework.core.io.support.PropertySourceFactory;

/**
 * The standalone service's defaults: the project's root {@code application.yml}, packaged as
 * {@code META-INF/interrupt-hub/application.yml}. Environment variables, system properties, command-line
 * arguments and an operator's own {@code application.yml} all override it; only
 * {@code SpringApplication#setDefaultProperties} ranks lower. Logging properties in it do not apply, as
 * logging starts before it is read.
 */
@Configuration(proxyBeanMethods = false)
@PropertySource(value = ServiceDefaults.LOCATION, factory = ServiceDefaults.Yaml.class)
public class ServiceDefaults {

    static final String LOCATION = "classpath:META-INF/interrupt-hub/application.yml";

    /** Reads YAML with Boot's own loader; {@code @PropertySource} reads only properties files by itself. */
    static final class Yaml implements PropertySourceFactory {
        @Override
        public org.springframework.core.env.PropertySource<?> createPropertySource(
                @Nullable String name, EncodedResource resource) throws IOException {
            List<org.springframework.core.env.PropertySource<?>> documents =
                    new YamlPropertySourceLoader().load("interrupt-hub defaults", resource.getResource());
            CompositePropertySource composite = new CompositePropertySource("interrupt-hub defaults");
            documents.forEach(composite::addPropertySource);
            return composite;
        }
    }
}
