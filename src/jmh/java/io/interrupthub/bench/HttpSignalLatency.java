package io.interrupthub.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Signal latency over HTTP on loopback, end to end, against a running service:
 *
 * <ul>
 *   <li>{@code sse}: a client subscribed to {@code GET /interrupts/events?hardwareId=D}; the time from
 *       sending {@code POST /interrupt/D} until the {@code interrupt} event arrives on the stream.</li>
 *   <li>{@code rtt} (baseline): one HTTP round trip on the same client and connection pool, a
 *       {@code GET /interrupt/D} that only reads the flag: the floor any HTTP signal pays.</li>
 *   <li>{@code postRoundTrip}: the {@code POST /interrupt/D} round trip itself (it waits for the
 *       fan-out), for reference; {@code postNoWaitRoundTrip}: the same with {@code ?wait=false}, which the
 *       service answers without asynchronous processing.</li>
 *   <li>{@code reference} (with {@code --reference}, the service started with INTERRUPT_REFERENCE_ENABLED=true):
 *       a session streaming {@code GET /sessions/{id}/stream?rate=50}; the time from {@code POST /interrupt}
 *       until its {@code interrupted} event arrives, and the service's own {@code stopLatencyMs}.</li>
 * </ul>
 *
 * Usage: {@code HttpSignalLatency <base-url> <interrupts> <out.json> [--reference <streams>]}.
 */
public final class HttpSignalLatency {

    private static final Pattern SESSION_ID = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STOP_LATENCY = Pattern.compile("\"stopLatencyMs\"\\s*:\\s*(\\d+)");

    private HttpSignalLatency() {}

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/+$", "");
        int count = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        int referenceStreams = args.length > 4 && args[3].equals("--reference") ? Integer.parseInt(args[4]) : 0;
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("interrupts", count);
        String device = "sse-device-" + ProcessHandle.current().pid();

        sse(client, base, device, Math.max(100, count / 5), null); // warm-up, dropped
        rtt(client, base, device, Math.max(100, count / 5));
        long[] post = new long[count];
        long[] sse = sse(client, base, device, count, post);
        long[] rtt = rtt(client, base, device, count);
        long[] noWait = postNoWait(client, base, device, count);
        root.put("sse", Stats.summary(sse));
        root.put("rtt", Stats.summary(rtt));
        root.put("postRoundTrip", Stats.summary(post));
        root.put("postNoWaitRoundTrip", Stats.summary(noWait));
        if (referenceStreams > 0) {
            root.put("reference", reference(client, base, referenceStreams));
        }
        Stats.write(out, root);
    }

    private static long[] rtt(HttpClient client, String base, String device, int count) throws Exception {
        long[] samples = new long[count];
        HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device))
                .GET()
                .build();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> response = client.send(get, HttpResponse.BodyHandlers.ofByteArray());
            samples[i] = System.nanoTime() - t0;
            check(response.statusCode() == 200, "GET flag answered " + response.statusCode());
        }
        return samples;
    }

    private static long[] postNoWait(HttpClient client, String base, String device, int count) throws Exception {
        long[] samples = new long[count];
        HttpRequest post = HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device + "?wait=false"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"latency\"}"))
                .build();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> response = client.send(post, HttpResponse.BodyHandlers.ofByteArray());
            samples[i] = System.nanoTime() - t0;
            check(response.statusCode() == 202, "POST interrupt?wait=false answered " + response.statusCode());
        }
        return samples;
    }

    private static long[] sse(HttpClient client, String base, String device, int count, long[] post) throws Exception {
        return sse(client, base, base, device, count, post);
    }

    /** The interrupt is posted to {@code base} and its event awaited on {@code eventsBase}: another instance in a cluster. */
    static long[] sse(HttpClient client, String base, String eventsBase, String device, int count, long[] post)
            throws Exception {
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        HttpRequest subscribe = HttpRequest.newBuilder(
                        URI.create(eventsBase + "/interrupts/events?hardwareId=" + device))
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        HttpResponse<InputStream> stream = client.send(subscribe, HttpResponse.BodyHandlers.ofInputStream());
        check(stream.statusCode() == 200, "subscribe answered " + stream.statusCode());
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        Object connected = new Object();
        Thread reader = new Thread(
                () -> {
                    try {
                        String event = null;
                        String line;
                        while ((line = lines.readLine()) != null) {
                            if (line.startsWith(":connected")) {
                                synchronized (connected) {
                                    connected.notifyAll();
                                }
                            } else if (line.startsWith("event:")) {
                                event = line.substring(6).trim();
                            } else if (line.startsWith("data:") && "interrupt".equals(event)) {
                                arrivals.add(System.nanoTime());
                            } else if (line.isEmpty()) {
                                event = null;
                            }
                        }
                    } catch (Exception closed) {
                        // the stream was closed at the end of the run
                    }
                },
                "sse-reader");
        reader.setDaemon(true);
        synchronized (connected) {
            reader.start();
            connected.wait(5000); // the hub sends ":connected" once the stream is live
        }
        HttpRequest interrupt = HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"latency\"}"))
                .build();
        long[] samples = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> response = client.send(interrupt, HttpResponse.BodyHandlers.ofByteArray());
            long answered = System.nanoTime();
            check(response.statusCode() == 200, "POST interrupt answered " + response.statusCode());
            Long arrived = arrivals.poll(5, TimeUnit.SECONDS);
            check(arrived != null, "no interrupt event within 5 s");
            samples[i] = arrived - t0;
            if (post != null) {
                post[i] = answered - t0;
            }
        }
        stream.body().close();
        return samples;
    }

    /** A streaming session per sample: from POST /interrupt to the stream's `interrupted` event. */
    private static Map<String, Object> reference(HttpClient client, String base, int count) throws Exception {
        long[] endToEnd = new long[count];
        long[] stopLatencyMs = new long[count];
        for (int i = 0; i < count; i++) {
            String device = "ref-device-" + i;
            HttpResponse<String> opened = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/sessions"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"hardwareId\":\"" + device + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            check(opened.statusCode() == 201, "POST /sessions answered " + opened.statusCode() + " " + opened.body());
            Matcher id = SESSION_ID.matcher(opened.body());
            check(id.find(), "no sessionId in " + opened.body());
            HttpResponse<InputStream> stream = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/sessions/" + id.group(1) + "/stream?rate=50"))
                            .header("Accept", "text/event-stream")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            check(stream.statusCode() == 200, "stream answered " + stream.statusCode());
            BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            String line;
            int chunks = 0;
            while (chunks < 3 && (line = lines.readLine()) != null) {
                if (line.startsWith("event:chunk")) {
                    chunks++;
                }
            }
            long t0 = System.nanoTime();
            HttpResponse<byte[]> interrupted = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device + "?wait=false"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            check(interrupted.statusCode() == 202, "POST interrupt answered " + interrupted.statusCode());
            String event = null;
            long arrived = 0;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && "interrupted".equals(event)) {
                    arrived = System.nanoTime();
                    Matcher stop = STOP_LATENCY.matcher(line);
                    stopLatencyMs[i] = stop.find() ? Long.parseLong(stop.group(1)) : -1;
                    break;
                }
            }
            check(arrived != 0, "the stream ended without an interrupted event");
            endToEnd[i] = arrived - t0;
            stream.body().close();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("endToEnd", Stats.summary(endToEnd));
        long[] asNanos = new long[count];
        for (int i = 0; i < count; i++) {
            asNanos[i] = stopLatencyMs[i] * 1_000_000;
        }
        out.put("stopLatencyMs", Stats.summary(asNanos));
        return out;
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
