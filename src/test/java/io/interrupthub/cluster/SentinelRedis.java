package io.interrupthub.cluster;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;

import static org.awaitility.Awaitility.await;

/**
 * A Redis primary, one replica and three sentinels, real processes on free ports with short failure
 * detection (down after 500 ms), as an operator would run them. Everyone, the sentinels and the replica
 * included, reaches the first primary through a {@link CuttableProxy}, so a test can cut chosen
 * connections to it (the replication link) while the others keep flowing.
 */
final class SentinelRedis implements AutoCloseable {

    static final String MASTER = "interrupt-hub";
    private static final Duration COMMAND = Duration.ofSeconds(2);

    final RedisServer primary;
    final CuttableProxy primaryAddress;
    final RedisServer replica;
    private final int[] sentinelPorts = new int[3];
    private final Process[] sentinels = new Process[3];
    private final Path dir;
    private final RedisClient client = RedisClient.create();

    private SentinelRedis() throws IOException {
        dir = Files.createTempDirectory("interrupt-hub-sentinel-");
        // A replica's full sync goes through a file: in the test's own directory, not the working one.
        primary = RedisServer.start(List.of("--dir", dir.toString(), "--dbfilename", "primary.rdb"));
        primaryAddress = new CuttableProxy(primary.port());
        replica = RedisServer.start(List.of(
                "--dir",
                dir.toString(),
                "--dbfilename",
                "replica.rdb",
                "--replicaof",
                "127.0.0.1",
                Integer.toString(primaryAddress.port())));
        for (int i = 0; i < sentinels.length; i++) {
            sentinelPorts[i] = RedisServer.freePort();
            startSentinel(i);
        }
    }

    /** Starts everything and waits until the sentinels know the replica and each other, ready to fail over. */
    static SentinelRedis start() throws IOException {
        SentinelRedis redis = new SentinelRedis();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(redis::readyToFailOver);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    /** What an application is configured with: the master's name and the sentinels' addresses. */
    RedisSentinelConfiguration configuration() {
        RedisSentinelConfiguration configuration = new RedisSentinelConfiguration();
        configuration.master(MASTER);
        for (int port : sentinelPorts) {
            configuration.sentinel("127.0.0.1", port);
        }
        return configuration;
    }

    /** The port of the primary the (first live) sentinels name now. */
    int primaryPort() {
        for (int i = 0; i < sentinels.length; i++) {
            if (sentinels[i] != null && sentinels[i].isAlive()) {
                SocketAddress address = sentinel(i, s -> s.getMasterAddrByName(MASTER));
                return ((InetSocketAddress) address).getPort();
            }
        }
        throw new IllegalStateException("no sentinel left");
    }

    /** Waits until the sentinels have promoted the replica. */
    void awaitPromotion(Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> primaryPort() == replica.port() && "master".equals(role(replica.port())));
    }

    /** {@code master} or {@code slave}, as the server at that port says of itself. */
    String role(int port) {
        return server(port, c -> c.info("replication"))
                .lines()
                .filter(line -> line.startsWith("role:"))
                .findFirst()
                .orElse("role:?")
                .substring(5)
                .trim();
    }

    /** Whether the server at that port replicates from {@code primaryPort} with its link up. */
    boolean replicatesFrom(int port, int primaryPort) {
        String info = server(port, c -> c.info("replication"));
        return info.contains("role:slave")
                && info.contains("master_port:" + primaryPort)
                && info.contains("master_link_status:up");
    }

    /** Runs commands on the server at that port, on a connection of the test's own. */
    <T> T server(int port, Function<RedisCommands<String, String>, T> commands) {
        RedisURI uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(COMMAND)
                .build();
        try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
            return commands.apply(connection.sync());
        }
    }

    /** The client ports the first primary sees (through the proxy) for connections matching the filter. */
    List<Integer> primaryClientPorts(java.util.function.Predicate<String> clientListLine) {
        String clients = server(primary.port(), c -> c.clientList());
        List<Integer> ports = new ArrayList<>();
        clients.lines()
                .filter(clientListLine)
                .forEach(line -> Arrays.stream(line.split(" "))
                        .filter(field -> field.startsWith("addr="))
                        .forEach(field -> ports.add(Integer.parseInt(field.substring(field.lastIndexOf(':') + 1)))));
        return ports;
    }

    void killSentinel(int i) {
        kill(sentinels[i]);
    }

    @Override
    public void close() {
        for (Process sentinel : sentinels) {
            kill(sentinel);
        }
        replica.close();
        primary.close();
        try {
            primaryAddress.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private boolean readyToFailOver() {
        if (!replicatesFrom(replica.port(), primaryAddress.port())) {
            return false;
        }
        for (int i = 0; i < sentinels.length; i++) {
            Map<String, String> master = sentinel(i, s -> s.master(MASTER));
            if (!"2".equals(master.get("num-other-sentinels")) || !"1".equals(master.get("num-slaves"))) {
                return false;
            }
        }
        return true;
    }

    private <T> T sentinel(int i, Function<RedisSentinelCommands<String, String>, T> commands) {
        RedisURI uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(sentinelPorts[i])
                .withTimeout(COMMAND)
                .build();
        try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel(uri)) {
            return commands.apply(connection.sync());
        }
    }

    private void startSentinel(int i) throws IOException {
        int port = sentinelPorts[i];
        // Sentinel rewrites its configuration file, so each one gets a file of its own.
        Path config = dir.resolve("sentinel-" + port + ".conf");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "daemonize no",
                        "dir " + dir,
                        "loglevel notice",
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryAddress.port() + " 2",
                        "sentinel down-after-milliseconds " + MASTER + " 500",
                        "sentinel failover-timeout " + MASTER + " 3000",
                        "sentinel parallel-syncs " + MASTER + " 1",
                        ""));
        sentinels[i] = new ProcessBuilder(List.of("redis-sentinel", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.toFile(), "sentinel-" + port + ".log"))
                .start();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptions()
                .failFast(
                        "redis-sentinel on port " + port + " exited (is it installed? .ci/run installs it)",
                        () -> !sentinels[i].isAlive())
                .until(() -> "PONG".equals(sentinel(i, RedisSentinelCommands::ping)));
    }

    private static void kill(Process process) {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
