package io.interrupthub.web;

import java.io.IOException;
import java.util.Enumeration;
import java.util.concurrent.CompletionStage;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an answer as JSON straight to the response when the request leaves nothing for Spring MVC to decide, and
 * hands it back otherwise. Spring's return value handling negotiates the content type, consults the body advice and
 * looks for a file extension in the path on every answer; for the interrupt, the product's hottest request, that
 * was an eighth of its CPU (issue 24). The bytes are the same: the application's own mapper writes them, as
 * Spring's JSON converter does.
 *
 * <p>Nothing to decide means: no {@code Accept} or one of {@code *}{@code /*} and {@code application/json} (what
 * HTTP clients send), and a last path segment with no {@code .}, {@code ;} or {@code %} in it (Spring would check it
 * for a file extension and answer it as a download). Any other request, an answer still to come (a future) and an
 * answer with headers of its own go through Spring MVC as before, with its 406 and everything else.
 */
final class PlainJsonAnswers {

    private final JsonMapper json;

    PlainJsonAnswers(JsonMapper json) {
        this.json = json;
    }

    /**
     * Writes {@code answer} (a body, or a {@code ResponseEntity} with a status and a body) and returns {@code null},
     * or returns {@code answer} untouched for Spring MVC to write.
     */
    @Nullable
    Object write(HttpServletRequest request, HttpServletResponse response, Object answer) throws IOException {
        if (answer instanceof CompletionStage<?> || !plain(request)) {
            return answer;
        }
        int status = HttpServletResponse.SC_OK;
        Object body = answer;
        if (answer instanceof ResponseEntity<?> entity) {
            if (!entity.getHeaders().isEmpty() || entity.getBody() == null) {
                return answer;
            }
            status = entity.getStatusCode().value();
            body = entity.getBody();
        }
        byte[] bytes = json.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
        return null;
    }

    private static boolean plain(HttpServletRequest request) {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        if (accept != null) {
            if (!accept.equals(MediaType.ALL_VALUE) && !accept.equals(MediaType.APPLICATION_JSON_VALUE)) {
                return false;
            }
            Enumeration<String> all = request.getHeaders(HttpHeaders.ACCEPT);
            all.nextElement();
            if (all.hasMoreElements()) {
                return false; // a second Accept header, which Spring MVC would combine with the first
            }
        }
        String uri = request.getRequestURI();
        for (int i = uri.length() - 1; i >= 0; i--) {
            char c = uri.charAt(i);
            if (c == '/') {
                return true;
            }
            if (c == '.' || c == ';' || c == '%') {
                return false;
            }
        }
        return true;
    }
}
