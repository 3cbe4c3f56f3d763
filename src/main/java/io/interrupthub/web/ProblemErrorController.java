package io.interrupthub.web;

import java.net.URI;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Renders what reaches the servlet container's error page (a method Tomcat refuses itself, an
 * exception outside Spring MVC, a direct request to the error path) as a problem detail like every
 * other error, instead of Boot's error map. Shows the status only, never the cause.
 */
@Controller
@RequestMapping("${server.error.path:${error.path:/error}}")
class ProblemErrorController implements ErrorController {

    @RequestMapping
    @Nullable
    ResponseEntity<ProblemDetail> error(HttpServletRequest request, HttpServletResponse response) {
        if (response.isCommitted()) {
            // An answer already under way, such as an event stream whose client left and whose async request
            // Tomcat then sent here: its status and content type are out, a problem has no room in it, and trying
            // to write one only fails (Spring MVC finds no converter for a problem as text/event-stream and
            // logs a warning). Nothing is written; the connection is closed either way.
            return null;
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer value ? resolve(value) : HttpStatus.NOT_FOUND;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                status,
                status.is5xxServerError()
                        ? "The request could not be completed."
                        : "The request was refused: " + status.getReasonPhrase() + ".");
        problem.setInstance(instance(request));
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static HttpStatus resolve(int code) {
        HttpStatus status = HttpStatus.resolve(code);
        return status == null || !status.isError() ? HttpStatus.INTERNAL_SERVER_ERROR : status;
    }

    private static URI instance(HttpServletRequest request) {
        Object original = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = original instanceof String text ? text : request.getRequestURI();
        try {
            return URI.create(path);
        } catch (IllegalArgumentException notAUri) {
            return null;
        }
    }
}
