package io.interrupthub.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Many event-stream clients on raw sockets, as a load test opens them: each sends its own
 * {@code GET /interrupts/events?hardwareId=} and reads until it has what it waits for. Blocking sockets on
 * one thread each keep the client obviously correct; a thousand threads are cheap enough for a test.
 */
final class EventStreamClients implements AutoCloseable {

    /** One client's connection and what it has read so far. */
    static final class Client {
        final String hardwareId;
        final Socket socket = new Socket();
        private final StringBuilder received = new StringBuilder();
        /** From its request until it had what it waited for (or gave up), when opened by {@link #openAtOnce}. */
        volatile long answeredNanos;

        Client(String hardwareId) {
            this.hardwareId = hardwareId;
        }

        synchronized String received() {
            return received.toString();
        }

        int status() {
            String text = received();
            if (!text.startsWith("HTTP/1.1 ")) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        /** Reads until {@code marker} arrived, or the deadline passed, or the server closed. */
        boolean readUntil(String marker, Duration patience) throws IOException {
            return readUntil(text -> text.contains(marker), patience);
        }

        /** Reads until what arrived is {@code done}, or the deadline passed, or the server closed. */
        boolean readUntil(Predicate<String> done, Duration patience) throws IOException {
            long deadline = System.nanoTime() + patience.toNanos();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (!done.test(received())) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    return false;
                }
                if (n < 0) {
                    return done.test(received());
                }
                synchronized (this) {
                    received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
            return true;
        }

        /** A client that goes away cleanly: FIN. */
        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }

        /** A client that goes away abruptly: RST, as a crashed process or a dropped NAT entry looks. */
        void reset() {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }
    }

    private final int port;
    private final ExecutorService threads;
    private final List<Client> clients = new ArrayList<>();

    EventStreamClients(int port, int count) {
        this.port = port;
        this.threads = Executors.newFixedThreadPool(count);
    }

    /**
     * Opens one stream per device at the same moment and waits until each has read {@code marker} (or
     * {@code patience} passed). Returns the clients in the order of {@code hardwareIds}.
     */
    List<Client> openAtOnce(List<String> hardwareIds, String marker, Duration patience) throws Exception {
        return openAtOnce(hardwareIds, text -> text.contains(marker), patience);
    }

    /**
     * Opens one stream per device at the same moment and waits until what each has read is {@code done} (or
     * {@code patience} passed); each client's {@link Client#answeredNanos} is the time from its request (sent once connected) to then.
     */
    List<Client> openAtOnce(List<String> hardwareIds, Predicate<String> done, Duration patience) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Client>> opened = new ArrayList<>();
        for (String hardwareId : hardwareIds) {
            Client client = new Client(hardwareId);
            clients.add(client);
            opened.add(threads.submit(() -> {
                go.await();
                client.socket.connect(new InetSocketAddress("127.0.0.1", port), (int) patience.toMillis());
                long asked = System.nanoTime(); // the kernel has queued the connection; the request goes now
                OutputStream out = client.socket.getOutputStream();
                out.write(("GET /interrupts/events?hardwareId=" + hardwareId + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                                + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                client.readUntil(done, patience);
                client.answeredNanos = System.nanoTime() - asked;
                return client;
            }));
        }
        go.countDown();
        List<Client> result = new ArrayList<>();
        for (Future<Client> future : opened) {
            result.add(future.get(patience.toMillis() * 2, TimeUnit.MILLISECONDS));
        }
        return result;
    }

    /** Each client reads until {@code marker(client)} arrived; answers the clients that did not get it. */
    List<Client> readAll(java.util.function.Function<Client, String> marker, Duration patience) throws Exception {
        List<Future<Boolean>> reads = new ArrayList<>();
        for (Client client : clients) {
            reads.add(threads.submit(() -> client.readUntil(marker.apply(client), patience)));
        }
        List<Client> missing = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            if (!reads.get(i).get(patience.toMillis() * 2, TimeUnit.MILLISECONDS)) {
                missing.add(clients.get(i));
            }
        }
        return missing;
    }

    /** Ends the reading threads; the connections stay open. */
    void stopThreads() {
        threads.shutdownNow();
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
        threads.shutdownNow();
    }
}
