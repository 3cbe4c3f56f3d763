package io.interrupthub.web;

import io.interrupthub.core.InterruptHubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Problem details for our controllers' own refusals, and a plain 500 that shows nothing internal.
 * Ordered after Spring Boot's problem-details handler (order 0), so Spring MVC's exceptions (405, 415,
 * unreadable JSON, type mismatch) keep Boot's answers and only what Boot does not handle lands here.
 */
@RestControllerAdvice(annotations = InterruptApi.class)
@Order(1)
class InterruptProblemHandler {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptProblemHandler.class);

    @ExceptionHandler(InterruptHubException.class)
    ProblemDetail refused(InterruptHubException e) {
        return ProblemDetail.forStatusAndDetail(status(e.kind()), e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        LOG.error("request failed", e);
        return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "The request could not be completed.");
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
