package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptProperties;
import jakarta.servlet.DispatcherType;
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

    static final String[] API_PATHS = {"/interrupt/**", "/interrupts", "/interrupts/**", "/sessions", "/sessions/**"};

    @Bean
    @Order(10)
    SecurityFilterChain interruptApiSecurityFilterChain(HttpSecurity http, InterruptProperties properties,
                                                        JsonMapper json) throws Exception {
        InterruptProperties.Api api = properties.api();
        http.securityMatcher(API_PATHS)
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable());
        if (api.keys().isEmpty()) {
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
        } else {
            http.addFilterBefore(new ApiKeyFilter(api.keyHeader(), api.keys(), json), AnonymousAuthenticationFilter.class)
                    .authorizeHttpRequests(requests -> requests
                            // The second dispatch of an async answer (POST /interrupt waits without a thread)
                            // belongs to a request already let through.
                            .dispatcherTypeMatchers(DispatcherType.ASYNC).permitAll()
                            .anyRequest().authenticated());
        }
        return http.build();
    }
}
