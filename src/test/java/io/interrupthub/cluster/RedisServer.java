package io.interrupthub.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server of the test's own, on a free port, with nothing kept on disk; it can be
 * killed and started again on the same port to make an outage.
 */
final class RedisServer implements AutoCloseable {

    private final int port;
    private final List<String> options;
    private Process process;

    private RedisServer(int port, List<String> options) {
        this.port = port;
        this.options = options;
    }

    static RedisServer start() {
        return start(List.of());
    }

    /** With further redis-server options, e.g. {@code --replicaof 127.0.0.1 <port>}; kept for restarts. */
    static RedisServer start(List<String> options) {
        RedisServer server = new RedisServer(freePort(), List.copyOf(options));
        server.restart();
        return server;
    }

    int port() {
        return port;
    }

    /** Starts it (again) on the same port and waits until it answers PING. */
    void restart() {
        try {
            List<String> command = new ArrayList<>(List.of(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning"));
            command.addAll(options);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            new File(System.getProperty("java.io.tmpdir"), "interrupt-hub-redis-" + port + ".log"))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "redis-server could not be started (is it installed? .ci/run installs it)", e);
        }
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .failFast("redis-server on port " + port + " exited", () -> !process.isAlive())
                .until(this::answersPing);
    }

    /** Kills it at once, as a crash would: connected clients see their connections drop. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private boolean answersPing() {
        return answersPing(port, Duration.ofMillis(500));
    }

    /** Whether a PING on a new connection of its own is answered within {@code within}. */
    static boolean answersPing(int port, Duration within) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Math.min(200, within.toMillis()));
            socket.setSoTimeout((int) within.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[7];
            int read = in.read(answer);
            return read > 0 && new String(answer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
