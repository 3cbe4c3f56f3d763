package io.interrupthub.web;

import java.net.URI;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * For the API's controllers only (an embedding application's own answers are left as they are):
 * Spring 7 leaves a problem's {@code type} out when it is the default; the contract shows
 * {@code "type": "about:blank"} and clients match on it, so every problem body says it explicitly.
 */
@RestControllerAdvice(annotations = InterruptApi.class)
class ProblemTypeAdvice implements ResponseBodyAdvice<Object> {

    private static final URI ABOUT_BLANK = URI.create("about:blank");

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object beforeBodyWrite(
            Object body,
            MethodParameter returnType,
            MediaType contentType,
            Class<? extends HttpMessageConverter<?>> converterType,
            ServerHttpRequest request,
            ServerHttpResponse response) {
        if (body instanceof ProblemDetail problem) {
            typed(problem);
        }
        return body;
    }

    /** The problem with {@code "type": "about:blank"} when it has no type of its own. */
    static ProblemDetail typed(ProblemDetail problem) {
        if (problem.getType() == null) {
            problem.setType(ABOUT_BLANK);
        }
        return problem;
    }
}
