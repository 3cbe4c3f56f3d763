package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptApiProperties;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's security chain, for the API's own paths only, so an application embedding the library keeps
 * its own chains for the rest. With keys configured every API call needs one; without, the API is open
 * (the embedded default). Stateless: no session, no CSRF token (no cookies are used).
 */
@Configuration(proxyBeanMethods = false)
class InterruptApiSecurity {

    @Bean
    ProblemRequestRejectedHandler problemRequestRejectedHandler(JsonMapper json) {
        return new ProblemRequestRejectedHandler(json);
    }

    @Bean
    @Order(10)
    SecurityFilterChain interruptApiSecurityFilterChain(
            HttpSecurity http, InterruptApiProperties api, InterruptWebProperties web, JsonMapper json)
            throws Exception {
        http.securityMatcher(ApiPaths.patterns(web.basePath()))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable());
        if (api.keys().isEmpty()) {
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
        } else {
            http.addFilterBefore(
                            new ApiKeyFilter(api.keyHeader(), api.keys(), json), AnonymousAuthenticationFilter.class)
                    .authorizeHttpRequests(requests -> requests
                            // The second dispatch of an async answer (POST /interrupt waits without a thread)
                            // belongs to a request already let through.
                            .dispatcherTypeMatchers(DispatcherType.ASYNC)
                            .permitAll()
                            .anyRequest()
                            .authenticated());
        }
        return http.build();
    }

    /**
     * The health endpoint answers anyone with its status (load balancers and probes send no key), and shows its
     * details ({@code management.endpoint.health.show-details=when-authorized}, the service's default) only to a
     * caller that sent a valid API key. Without keys, no caller is authorized: details then need
     * {@code management.endpoint.health.show-details=always}.
     */
    @Bean
    @Order(11)
    @ConditionalOnClass(name = "org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest")
    SecurityFilterChain interruptHealthSecurityFilterChain(
            HttpSecurity http, InterruptApiProperties api, JsonMapper json) throws Exception {
        http.securityMatcher(EndpointRequest.to("health"))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
        if (!api.keys().isEmpty()) {
            http.addFilterBefore(
                    new ApiKeyFilter(api.keyHeader(), api.keys(), json, true), AnonymousAuthenticationFilter.class);
        }
        return http.build();
    }
}
