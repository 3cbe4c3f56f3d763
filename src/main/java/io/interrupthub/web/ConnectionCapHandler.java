package io.interrupthub.web;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the server refuses by itself, as problem details, in front of everything else on Jetty.
 *
 * <p>Its connection limit as an answer: connections are admitted in the order they open, up to
 * {@code maxConnections} at once; a request on a connection beyond them gets {@code 503} with {@code Retry-After}
 * and the connection is closed, at once. Jetty's own limit ({@code NetworkConnectionLimit}, what
 * {@code server.jetty.max-connections} sets) stops accepting instead, so a client beyond it waits in the kernel's
 * accept queue until it gives up: a hang, never an answer. A connection admitted keeps its place until it closes.
 *
 * <p>{@code TRACE}, which Jetty would otherwise hand to the servlet (Tomcat refused it itself): 405, so no request's
 * headers are ever echoed.
 */
final class ConnectionCapHandler extends Handler.Wrapper {

    /** Seconds a client refused for capacity should wait before asking again (it adds its own jitter). */
    static final String RETRY_AFTER_SECONDS = InterruptEventHub.RETRY_AFTER_SECONDS;

    private static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

    private final int maxConnections;
    private final AtomicInteger admitted = new AtomicInteger();
    private final Set<Connection> refused = ConcurrentHashMap.newKeySet();

    /** Told of every connection of the connectors it is added to; not a bean with a life of its own. */
    final Connection.Listener admission = new Connection.Listener() {
        @Override
        public void onOpened(Connection connection) {
            if (admitted.incrementAndGet() > maxConnections) {
                admitted.decrementAndGet();
                refused.add(connection);
            }
        }

        @Override
        public void onClosed(Connection connection) {
            if (!refused.remove(connection)) {
                admitted.decrementAndGet();
            }
        }
    };

    /** {@code maxConnections} ≤ 0: no limit. */
    ConnectionCapHandler(int maxConnections, Handler handler) {
        super(handler);
        this.maxConnections = maxConnections > 0 ? maxConnections : Integer.MAX_VALUE;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (HttpMethod.TRACE.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, ALLOW);
            answer(
                    response,
                    callback,
                    HttpStatus.METHOD_NOT_ALLOWED,
                    "The request was refused: Method Not Allowed.",
                    request.getHttpURI().getPath());
            return true;
        }
        if (!refused.contains(request.getConnectionMetaData().getConnection())) {
            return super.handle(request, response, callback);
        }
        response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        answer(
                response,
                callback,
                HttpStatus.SERVICE_UNAVAILABLE,
                maxConnections + " connections are open, the server's limit: retry after " + RETRY_AFTER_SECONDS
                        + " seconds",
                null);
        return true;
    }

    /** A problem detail, written by Jackson: {@code instance} is the request's path, when it has one. */
    private static void answer(
            Response response, Callback callback, HttpStatus status, String detail, @Nullable String instance) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        if (instance != null) {
            problem.put("instance", instance);
        }
        response.setStatus(status.value());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.write(true, ByteBuffer.wrap(JsonMapper.shared().writeValueAsBytes(problem)), callback);
    }
}
