package io.interrupthub.web;

import io.interrupthub.core.InterruptHubException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Problem details for the API's controllers: their own refusals, Spring MVC's (unreadable JSON, 415, type
 * mismatch: what {@link ResponseEntityExceptionHandler} answers, so an application that embeds the library needs
 * no {@code spring.mvc.problemdetails.enabled}), and a plain 500 that shows nothing internal. Ordered after
 * Spring Boot's own problem-details handler (order 0), so where the application turned that on, its answers
 * to Spring MVC's exceptions are the same for every controller.
 */
@RestControllerAdvice(annotations = InterruptApi.class)
@Order(1)
class InterruptProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptProblemHandler.class);

    @ExceptionHandler(InterruptHubException.class)
    ProblemDetail refused(InterruptHubException e) {
        return ProblemTypeAdvice.typed(ProblemDetail.forStatusAndDetail(status(e.kind()), e.getMessage()));
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        LOG.error("request failed", e);
        return ProblemTypeAdvice.typed(ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR, "The request could not be completed."));
    }

    /**
     * Spring MVC's refusals, typed here: body advice is matched against the handler's class, which for an
     * exception handler is this one, not the API's controller.
     */
    @Override
    protected ResponseEntity<Object> createResponseEntity(
            @Nullable Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            ProblemTypeAdvice.typed(problem);
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    static HttpStatus status(InterruptHubException.Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case LIMIT_REACHED -> HttpStatus.TOO_MANY_REQUESTS;
            case DISABLED -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }
}
