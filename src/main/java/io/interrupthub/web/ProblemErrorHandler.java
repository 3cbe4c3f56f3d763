package io.interrupthub.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Jetty answers some requests itself, before any filter or controller sees them: a request line or header it
 * will not parse, headers over the limit, an ambiguous path, {@code CONNECT}. Its own error handler writes an
 * HTML (or its own JSON) page for those; this one, the server's error handler, writes the same problem detail as
 * every other error of the API ({@code application/problem+json}, {@code type about:blank}, the reason phrase as
 * title), never a stack trace nor the server's name. No {@code instance}: the URI is what could not be read.
 * Errors that reach Spring (the {@code /error} dispatch of the servlet context) never get here.
 */
final class ProblemErrorHandler extends ErrorHandler {

    ProblemErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
    }

    /** Every method gets its problem (Jetty's own handler writes a body for GET, POST and HEAD only). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    /** Whatever the client accepts: the API's errors are problem details. */
    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.write(true, ByteBuffer.wrap(body(code).getBytes(StandardCharsets.UTF_8)), callback);
    }

    /** What the connection writes for a request it could not parse into one. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        return ByteBuffer.wrap(body(status).getBytes(StandardCharsets.UTF_8));
    }

    /** Only fixed text: nothing the client sent is echoed. */
    static String body(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String detail =
                status >= 500 ? "The request could not be completed." : "The request was refused: " + title + ".";
        return "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail
                + "\"}";
    }
}
