package io.interrupthub.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.interrupthub.InterruptHubApplication;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The error page reached by a request whose answer is already an event stream: Tomcat dispatches an async
 * request to its error page when the request fails after its client left (as a thousand clients closing
 * together made happen now and then in {@link EventStreamBurstTest}). The answer is committed as
 * {@code text/event-stream} by then, so a problem detail cannot be written; the error page must write nothing,
 * rather than fail to convert a problem to an event stream and have Spring MVC log that as a warning. The test
 * reaches the error page the same way from a committed event stream, by including it, which leaves the answer's
 * headers as they are just as a committed answer does.
 */
@SpringBootTest(classes = InterruptHubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(ErrorPageOnEventStreamTest.StreamThenError.class)
class ErrorPageOnEventStreamTest {

    @LocalServerPort
    int port;

    private final ListAppender<ILoggingEvent> serverLog = new ListAppender<>();

    @BeforeEach
    void captureTheServerLog() {
        serverLog.start();
        root().addAppender(serverLog);
    }

    @AfterEach
    void stopCapturing() {
        root().detachAppender(serverLog);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void theErrorPageWritesNothingOntoAnEventStreamAndLogsNoWarning() throws Exception {
        String answer;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /test/stream-then-error HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                            + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(answer)
                .startsWith("HTTP/1.1 200")
                .contains("text/event-stream")
                .contains(":connected");
        assertThat(answer)
                .as("nothing but the stream")
                .doesNotContain("problem")
                .doesNotContain("\"status\"");
        assertThat(serverLog.list)
                .as("warnings and errors the server logged")
                .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .filteredOn(event -> !event.getLoggerName().contains("SpringDoc"))
                .extracting(event -> event.getLoggerName() + ": " + event.getFormattedMessage())
                .isEmpty();
    }

    /** An event stream that has sent its greeting, then fails and goes to the servlet container's error page. */
    @RestController
    static class StreamThenError {

        @GetMapping("/test/stream-then-error")
        void streamThenError(HttpServletRequest request, HttpServletResponse response)
                throws IOException, ServletException {
            response.setContentType("text/event-stream");
            response.getOutputStream().write(":connected\n\n".getBytes(StandardCharsets.UTF_8));
            response.flushBuffer();
            request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 500);
            request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, request.getRequestURI());
            request.getRequestDispatcher("/error").include(request, response);
        }
    }
}
