package io.interrupthub.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cross-instance signal latency in cluster mode, against two running instances sharing a Redis:
 *
 * <ul>
 *   <li>{@code crossInstance}: a client subscribed to instance B's {@code /interrupts/events}; the time
 *       from sending {@code POST /interrupt/D} to instance A until B's {@code interrupt} event arrives.</li>
 *   <li>{@code sameInstance} (baseline): the same with the interrupt posted to B itself.</li>
 *   <li>{@code redisPing} (physical floor): one Redis round trip, {@code PING} on a plain socket.</li>
 * </ul>
 *
 * Usage: {@code ClusterSignalLatency <url-a> <url-b> <redis-port> <interrupts> <out.json>}.
 */
public final class ClusterSignalLatency {

    private ClusterSignalLatency() {}

    public static void main(String[] args) throws Exception {
        String a = args[0].replaceAll("/+$", "");
        String b = args[1].replaceAll("/+$", "");
        int redisPort = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        long pid = ProcessHandle.current().pid();
        int warm = Math.max(100, count / 5);
        HttpSignalLatency.sse(client, a, b, "cluster-warm-" + pid, warm, null); // dropped
        HttpSignalLatency.sse(client, b, b, "same-warm-" + pid, warm, null); // dropped

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("interrupts", count);
        root.put("crossInstance", Stats.summary(HttpSignalLatency.sse(client, a, b, "cluster-" + pid, count, null)));
        root.put("sameInstance", Stats.summary(HttpSignalLatency.sse(client, b, b, "same-" + pid, count, null)));
        root.put("redisPing", Stats.summary(ping(redisPort, count)));
        Stats.write(out, root);
    }

    private static long[] ping(int port, int count) throws Exception {
        long[] samples = new long[count];
        byte[] ping = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] answer = new byte[7];
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            OutputStream request = socket.getOutputStream();
            InputStream reply = socket.getInputStream();
            for (int i = 0; i < count + 200; i++) {
                long t0 = System.nanoTime();
                request.write(ping);
                request.flush();
                int read = 0;
                while (read < answer.length) {
                    int n = reply.read(answer, read, answer.length - read);
                    HttpSignalLatency.check(n > 0, "redis closed the connection");
                    read += n;
                }
                if (i >= 200) {
                    samples[i - 200] = System.nanoTime() - t0;
                }
            }
        }
        return samples;
    }
}
