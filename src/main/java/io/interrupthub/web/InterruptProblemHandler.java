package io.interrupthub.web;

import io.interrupthub.core.InterruptHubException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.StringUtils;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Problem details for the API's controllers: their own refusals, Spring MVC's (unreadable JSON, 415, type
 * mismatch: what {@link ResponseEntityExceptionHandler} answers, so an application that embeds the library needs
 * no {@code spring.mvc.problemdetails.enabled}), and a plain 500 that shows nothing internal. Ordered ahead of
 * Spring Boot's own problem-details handler (the same answers, from the same base class), so that a failure on
 * an answer that is already an event stream writes nothing instead of a problem it has no room for.
 */
@RestControllerAdvice(annotations = InterruptApi.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class InterruptProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptProblemHandler.class);
    /** Retry-After of a request the cluster could not answer in time (Redis slow, failing over, or gone). */
    static final String RETRY_UNAVAILABLE_SECONDS = "1";

    @ExceptionHandler(InterruptHubException.class)
    ResponseEntity<ProblemDetail> refused(InterruptHubException e) {
        ResponseEntity<ProblemDetail> problem =
                problem(ProblemDetail.forStatusAndDetail(status(e.kind()), e.getMessage()));
        if (e.kind() != InterruptHubException.Kind.UNAVAILABLE) {
            return problem;
        }
        // Nothing was done and the cluster is usually back within a second: say when to ask again.
        return ResponseEntity.status(problem.getStatusCode())
                .headers(problem.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, RETRY_UNAVAILABLE_SECONDS)
                .body(problem.getBody());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        LOG.error("request failed", e);
        return problem(ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR, "The request could not be completed."));
    }

    /**
     * A query parameter given twice that does not convert ({@code ?wait=maybe&wait=false}): Spring's detail names the
     * array it could not convert ({@code [Ljava.lang.String;@1b2c3d}), which tells the client nothing and betrays the
     * server's language; the detail names the values instead. Everything else is Spring's own answer.
     */
    @Override
    protected @Nullable ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (!(ex.getValue() instanceof Object[] values)) {
            return super.handleTypeMismatch(ex, headers, status, request);
        }
        String shown = StringUtils.arrayToCommaDelimitedString(values);
        Object[] args = {
            ex.getPropertyName(),
            shown,
            ex.getRequiredType() != null ? ex.getRequiredType().getSimpleName() : ""
        };
        ProblemDetail body = createProblemDetail(
                ex,
                status,
                "Failed to convert '" + args[0] + "' with value: '" + shown + "'",
                ErrorResponse.getDefaultDetailMessageCode(TypeMismatchException.class, null),
                args,
                request);
        return handleExceptionInternal(ex, body, headers, status, request);
    }

    /** An answer already chosen as an event stream (its client gone mid-write, say) can carry no problem. */
    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(
            Exception ex, @Nullable Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        if (request instanceof ServletWebRequest servlet
                && servlet.getResponse() != null
                && servlet.getResponse().getContentType() != null
                && servlet.getResponse().getContentType().startsWith(MediaType.TEXT_EVENT_STREAM_VALUE)) {
            return null;
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
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
            HttpHeaders problemHeaders = new HttpHeaders();
            problemHeaders.putAll(headers);
            problemHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
            headers = problemHeaders;
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    /**
     * A typed problem with its own content type: a request refused after its handler chose another one (an event
     * stream refused at its cap) still gets a problem body instead of a failure to write one.
     */
    private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemTypeAdvice.typed(problem));
    }

    static HttpStatus status(InterruptHubException.Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case LIMIT_REACHED -> HttpStatus.TOO_MANY_REQUESTS;
            case DISABLED, UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }
}
