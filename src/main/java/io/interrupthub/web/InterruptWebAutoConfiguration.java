package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.autoconfigure.InterruptProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.apache.catalina.Host;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST API, on by default in a servlet web application; {@code interrupt.web.enabled=false} leaves it out
 * (and the console with it).
 */
@AutoConfiguration(after = InterruptHubAutoConfiguration.class, before = ErrorMvcAutoConfiguration.class, beforeName = {
        // Our chain must be known before Boot decides whether to add its default, password-protected one.
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = "interrupt.web.enabled", matchIfMissing = true)
@Import({InterruptController.class, SessionController.class, InterruptEventsController.class,
        InterruptProblemHandler.class, ProblemTypeAdvice.class})
public class InterruptWebAutoConfiguration {

    @Bean
    InterruptEventHub interruptEventHub(JsonMapper json, InterruptProperties properties) {
        return new InterruptEventHub(json, properties.events());
    }

    @Bean
    FilterRegistrationBean<RequestSizeLimitFilter> interruptRequestSizeLimit(InterruptProperties properties,
                                                                           JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestSizeLimitFilter(properties.api().maxBodySize().toBytes(), json));
        registration.addUrlPatterns("/interrupt/*", "/interrupts", "/interrupts/*", "/sessions", "/sessions/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * The API's request bodies are read strictly by their own converter, ahead of every other one (an
     * application's converters included) but only for those types; the application's mapper stays as it is.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    WebMvcConfigurer interruptApiRequestBodies() {
        return new WebMvcConfigurer() {
            @Override
            public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
                builder.addCustomConverter(new ApiRequestConverter());
            }
        };
    }

    /** With springdoc present: the OpenAPI document completed with the contract's errors. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springdoc.core.customizers.OpenApiCustomizer")
    @Import(InterruptOpenApi.class)
    static class OpenApi {
    }

    /** With Spring Security present: API keys when configured, the API open otherwise. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.web.SecurityFilterChain")
    @Import(InterruptApiSecurity.class)
    static class Security {
    }

    /**
     * The live console at {@code /}. Off unless {@code interrupt.console.enabled=true}: the service's defaults
     * turn it on, and an application that embeds the library gets no page at its root unless it asks.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("interrupt.console.enabled")
    @Import(ConsolePage.class)
    static class Console {

        @Bean
        WebMvcConfigurer interruptConsoleAssets() {
            return new WebMvcConfigurer() {
                @Override
                public void addResourceHandlers(ResourceHandlerRegistry registry) {
                    // Revalidated on every load (ETag / Last-Modified), so an upgraded service never runs old scripts.
                    registry.addResourceHandler("/console/**").addResourceLocations(ConsolePage.ASSETS)
                            .setCacheControl(CacheControl.noCache());
                }
            };
        }
    }

    /** Container-level errors as problem details too; {@code interrupt.web.problem-errors=false} keeps Boot's error page. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "interrupt.web.problem-errors", matchIfMissing = true)
    @ConditionalOnMissingBean(ErrorController.class)
    @Import(ProblemErrorController.class)
    static class ProblemErrors {

        /** On Tomcat, what Tomcat refuses by itself (before Spring sees the request) is a problem detail too. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = {"org.apache.catalina.valves.ErrorReportValve",
                "org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory"})
        static class TomcatErrors {

            /** Runs after Boot's own Tomcat customizer, so the valve it adds is found and replaced. */
            @Bean
            WebServerFactoryCustomizer<TomcatServletWebServerFactory> interruptProblemErrorReportValve() {
                return factory -> factory.addContextCustomizers(
                        context -> ProblemErrorReportValve.install((Host) context.getParent()));
            }
        }
    }
}
