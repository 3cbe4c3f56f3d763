package io.interrupthub.web;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses API request bodies larger than {@code interrupt.api.max-body-size} with 413, before anything
 * reads them (every body of this API is a few hundred bytes; a large one is a mistake or an attack), and
 * a Content-Type that is a pattern or unparsable with 415, which Spring would otherwise fail on with a 500.
 */
final class RequestSizeLimitFilter extends OncePerRequestFilter {

    /** A refused body up to this size is read and dropped after the answer (Tomcat's maxSwallowSize). */
    static final long DISCARD_BYTES = 2L * 1024 * 1024;

    private final long maxBytes;
    private final JsonMapper json;

    RequestSizeLimitFilter(long maxBytes, JsonMapper json) {
        this.maxBytes = maxBytes;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        boolean chunked = length < 0 && request.getHeader("Transfer-Encoding") != null;
        if (length > maxBytes || chunked) {
            Problems.write(
                    json,
                    request,
                    response,
                    HttpStatus.CONTENT_TOO_LARGE,
                    chunked
                            ? "a request body must be sent with Content-Length"
                            : "the request body is " + length + " bytes, the limit is " + maxBytes);
            if (length <= DISCARD_BYTES) {
                // Read and dropped after the answer is out, as Tomcat swallows it: a server that closes a
                // connection with the body still unread resets it, and the client may lose the answer with it.
                // A chunked body of unknown length is read up to the same bound.
                try {
                    response.flushBuffer();
                    discard(request.getInputStream(), DISCARD_BYTES);
                } catch (IOException clientGone) {
                    // the answer is out, or nobody is left to read it
                }
            }
            return;
        }
        String contentType = request.getContentType();
        if (contentType != null && !concrete(contentType)) {
            Problems.write(
                    json,
                    request,
                    response,
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + contentType.replaceAll("[^\\x20-\\x7e]", "?")
                            + "' is not a concrete media type");
            return;
        }
        chain.doFilter(request, response);
    }

    /** A body's type must be one type, not a pattern such as {@code *}{@code /*}; Spring cannot read it otherwise. */
    /** Reads and drops at most {@code limit} bytes: what is beyond is left to the connection's close. */
    private static void discard(InputStream body, long limit) throws IOException {
        byte[] buffer = new byte[8192];
        long left = limit;
        int n;
        while (left > 0 && (n = body.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= n;
        }
    }

    private static boolean concrete(String contentType) {
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return !type.isWildcardType() && !type.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }
}
