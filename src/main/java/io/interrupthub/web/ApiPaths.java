package io.interrupthub.web;

import java.util.Arrays;

/**
 * The API's paths below {@code interrupt.web.base-path}, for what matches requests before Spring MVC does
 * (the security chain, the request size filter). The controllers' own mappings move with the same property.
 */
final class ApiPaths {

    static final String SECURITY_FILTER_CHAIN = "org.springframework.security.web.SecurityFilterChain";

    /** Ant-style patterns of every API path, relative to the base path. */
    private static final String[] PATTERNS = {
        "/interrupt/**", "/interrupts", "/interrupts/**", "/sessions", "/sessions/**", "/devices/**"
    };

    /** Servlet URL patterns (a prefix, then {@code /*}) of every API path, relative to the base path. */
    private static final String[] SERVLET_PATTERNS = {
        "/interrupt/*", "/interrupts", "/interrupts/*", "/sessions", "/sessions/*", "/devices/*"
    };

    private ApiPaths() {}

    static String[] patterns(String basePath) {
        return Arrays.stream(PATTERNS).map(pattern -> basePath + pattern).toArray(String[]::new);
    }

    /** {@code /voice/sessions/{id}} below {@code /voice} → {@code /sessions/{id}}; null for a path not of the API. */
    static String relative(String basePath, String path) {
        if (!path.startsWith(basePath)) {
            return null;
        }
        String relative = path.substring(basePath.length());
        for (String prefix : new String[] {"/interrupt/", "/interrupts", "/sessions", "/devices/"}) {
            if (relative.startsWith(prefix)) {
                return relative;
            }
        }
        return null;
    }

    static String[] servletPatterns(String basePath) {
        return Arrays.stream(SERVLET_PATTERNS)
                .map(pattern -> basePath + pattern)
                .toArray(String[]::new);
    }
}
