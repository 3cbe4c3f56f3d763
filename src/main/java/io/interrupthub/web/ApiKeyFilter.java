package io.interrupthub.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets a request through only with one of the configured API keys: none is 401, a wrong one 403,
 * both as problem details. Keys are compared in constant time and never logged or echoed. Where a key is
 * optional (the health endpoint, which probes call without one), a request without a key goes on anonymously.
 */
final class ApiKeyFilter extends OncePerRequestFilter {

    private final String header;
    private final List<byte[]> keys;
    private final JsonMapper json;
    private final boolean optional;

    ApiKeyFilter(String header, List<String> keys, JsonMapper json) {
        this(header, keys, json, false);
    }

    ApiKeyFilter(String header, List<String> keys, JsonMapper json, boolean optional) {
        this.optional = optional;
        this.header = header;
        this.keys =
                keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(header);
        if (presented == null || presented.isEmpty()) {
            if (optional) {
                chain.doFilter(request, response);
                return;
            }
            response.setHeader("WWW-Authenticate", "ApiKey header=\"" + header + "\"");
            Problems.write(
                    json,
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "an API key is required in the " + header + " header");
            return;
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        boolean known = false;
        for (byte[] key : keys) {
            known |= MessageDigest.isEqual(key, bytes);
        }
        if (!known) {
            Problems.write(json, request, response, HttpStatus.FORBIDDEN, "the API key is not valid");
            return;
        }
        SecurityContextHolder.getContext()
                .setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        "api-key", null, AuthorityUtils.createAuthorityList("ROLE_API")));
        chain.doFilter(request, response);
    }
}
