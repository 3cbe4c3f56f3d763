package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptApiProperties;
import io.interrupthub.autoconfigure.InterruptConfigurationException;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.CacheControl;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.method.HandlerTypePredicate;
import org.springframework.web.servlet.config.annotation.PathMatchConfigurer;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST API, on by default in a servlet web application; {@code interrupt.web.enabled=false} leaves it out
 * (and the console with it). It adds nothing global to the application: its paths start at
 * {@code interrupt.web.base-path}, its error handling covers its own controllers only, and the application's
 * error page stays its own unless {@code interrupt.web.problem-errors=true} (the service's choice).
 */
@AutoConfiguration(
        after = InterruptHubAutoConfiguration.class,
        before = ErrorMvcAutoConfiguration.class,
        beforeName = {
            // Our chain must be known before Boot decides whether to add its default, password-protected one.
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration"
        })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = "interrupt.web.enabled", matchIfMissing = true)
@EnableConfigurationProperties({
    InterruptWebProperties.class,
    InterruptEventsProperties.class,
    InterruptConsoleProperties.class
})
@Import({
    InterruptController.class,
    SessionController.class,
    SpeechController.class,
    InterruptEventsController.class,
    InterruptProblemHandler.class,
    ProblemTypeAdvice.class
})
public class InterruptWebAutoConfiguration {

    @Bean
    InterruptEventHub interruptEventHub(JsonMapper json, InterruptEventsProperties events) {
        return new InterruptEventHub(json, events);
    }

    @Bean
    FilterRegistrationBean<RequestSizeLimitFilter> interruptRequestSizeLimit(
            InterruptApiProperties api, InterruptWebProperties web, JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestSizeLimitFilter(api.maxBodySize().toBytes(), json));
        registration.addUrlPatterns(ApiPaths.servletPatterns(web.basePath()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** The API's controllers, and only they, answer below {@code interrupt.web.base-path}. */
    @Bean
    WebMvcConfigurer interruptApiBasePath(InterruptWebProperties web) {
        return new WebMvcConfigurer() {
            @Override
            public void configurePathMatch(PathMatchConfigurer configurer) {
                if (!web.basePath().isEmpty()) {
                    configurer.addPathPrefix(web.basePath(), HandlerTypePredicate.forAnnotation(InterruptApi.class));
                }
            }
        };
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
    static class OpenApi {}

    /** With Spring Security present: API keys when configured, the API open otherwise. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = ApiPaths.SECURITY_FILTER_CHAIN)
    @Import(InterruptApiSecurity.class)
    static class Security {}

    /**
     * Without Spring Security nothing could check the keys, so keys set then are refused rather than ignored: an
     * API that was meant to be protected never answers unprotected.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass(ApiPaths.SECURITY_FILTER_CHAIN)
    static class NoSecurity {

        NoSecurity(InterruptApiProperties api) {
            if (!api.keys().isEmpty()) {
                throw new InterruptConfigurationException(
                        "interrupt.api.keys",
                        "API keys are set but Spring Security is not on the class path to enforce them; add "
                                + "spring-boot-starter-security, or unset interrupt.api.keys (INTERRUPT_API_KEYS)",
                        null);
            }
        }
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
                    registry.addResourceHandler("/console/**")
                            .addResourceLocations(ConsolePage.ASSETS)
                            .setCacheControl(CacheControl.noCache());
                }
            };
        }
    }

    /**
     * The application's error page and the servlet container's own refusals as problem details too, with
     * {@code interrupt.web.problem-errors=true}: the service asks for it, an embedding application keeps its own.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("interrupt.web.problem-errors")
    @Import(ProblemTypeEverywhereAdvice.class)
    static class ProblemErrors {

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnMissingBean(ErrorController.class)
        @Import(ProblemErrorController.class)
        static class ErrorPage {}

        /**
         * On Jetty, what Jetty refuses by itself (before Spring sees the request) is a problem detail too, and so is
         * a request beyond the server's connection limit ({@code server.jetty.max-connections}): 503 with
         * {@code Retry-After} at once, where Jetty's own limit would leave the connection waiting unanswered;
         * {@code TRACE} is refused 405 as Tomcat refused it.
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(
                name = {
                    "org.eclipse.jetty.server.handler.ErrorHandler",
                    "org.springframework.boot.jetty.servlet.JettyServletWebServerFactory"
                })
        static class JettyErrors {

            /** Connections waiting to be accepted; the kernel caps it ({@code net.core.somaxconn}). */
            static final int ACCEPT_QUEUE = 4096;

            /** Runs after Boot's own Jetty customizer, so the connection limit it read is the one answered. */
            @Bean
            WebServerFactoryCustomizer<JettyServletWebServerFactory> interruptProblemErrorHandler() {
                return factory -> {
                    int maxConnections = factory.getMaxConnections();
                    if (maxConnections > 0) {
                        factory.setMaxConnections(-1); // answered below instead of left waiting
                    }
                    factory.addServerCustomizers(server -> {
                        server.setErrorHandler(new ProblemErrorHandler());
                        ConnectionCapHandler refusals = new ConnectionCapHandler(maxConnections, server.getHandler());
                        server.setHandler(refusals);
                        for (Connector connector : server.getConnectors()) {
                            connector.addBean(refusals.admission, false);
                            // A burst of connections waits in the kernel's queue for its answer instead of being
                            // dropped and retried by the client a second later (the JDK's default backlog is 50).
                            if (connector instanceof ServerConnector network
                                    && network.getAcceptQueueSize() < ACCEPT_QUEUE) {
                                network.setAcceptQueueSize(ACCEPT_QUEUE);
                            }
                        }
                    });
                };
            }
        }
    }
}
