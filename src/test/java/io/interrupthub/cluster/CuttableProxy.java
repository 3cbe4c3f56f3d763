package io.interrupthub.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the test's Redis for one instance, so that instance alone can lose Redis:
 * {@link #cut()} drops its connections and refuses new ones, {@link #blackhole()} keeps them open but
 * forwards nothing (a Redis that stops answering), {@link #restore()} lets traffic through again.
 * {@link #silence} does what blackhole does for chosen connections only, e.g. a replica's replication link.
 */
final class CuttableProxy implements AutoCloseable {

    private enum Mode {
        OPEN,
        CUT,
        BLACKHOLE
    }

    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Local ports of upstream sockets whose answers are no longer forwarded. */
    private final Set<Integer> silenced = ConcurrentHashMap.newKeySet();

    private volatile Mode mode = Mode.OPEN;

    CuttableProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(this::accept, "proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void cut() {
        mode = Mode.CUT;
        closeAll();
    }

    /**
     * Stops forwarding what the target sends on the given connections, named by the client port the
     * target sees (its {@code CLIENT LIST} addr); they stay open, the rest keeps flowing.
     */
    void silence(Collection<Integer> targetSeenPorts) {
        silenced.addAll(targetSeenPorts);
    }

    void blackhole() {
        mode = Mode.BLACKHOLE;
    }

    void restore() {
        if (mode == Mode.BLACKHOLE) {
            closeAll(); // what was swallowed is gone; clients reconnect, as after a real network stall
        }
        mode = Mode.OPEN;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (mode != Mode.OPEN) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket("127.0.0.1", target);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection drop
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            if (mode == Mode.OPEN && !silenced.contains(from.getLocalPort())) {
                                out.write(buffer, 0, n);
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        // one side closed
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void closeAll() {
        sockets.forEach(CuttableProxy::closeQuietly);
        sockets.clear();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeAll();
    }
}
