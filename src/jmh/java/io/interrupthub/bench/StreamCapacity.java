package io.interrupthub.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Capacity of the SSE event streams of a running service (its pid given, to read its heap and resident
 * memory): for each stream count, that many streams opened in one burst, one per device; then interrupts to
 * random devices, each timed from {@code POST /interrupt/D?wait=false} until its {@code interrupt} event
 * arrives on D's stream, against the p99 of a plain {@code GET /interrupt/D} round trip taken in the same
 * run with the streams open; then the clients vanish and the server's retained heap (after a full GC) is
 * read until it is back at its level before the burst.
 *
 * <p>Usage: {@code StreamCapacity <base-url> <server-pid> <heartbeat-seconds> <interrupts> <out.json> N...}.
 */
public final class StreamCapacity {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern DEVICE = Pattern.compile("\"hardwareId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Duration OPEN_PATIENCE = Duration.ofSeconds(60);
    /** Retained heap within this of the baseline counts as back. */
    private static final long TOLERANCE_KB = 4 * 1024;

    private StreamCapacity() {}

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/+$", "");
        long pid = Long.parseLong(args[1]);
        int heartbeatSeconds = Integer.parseInt(args[2]);
        int interrupts = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("heartbeat_s", heartbeatSeconds);
        root.put("interrupts", interrupts);
        List<Object> runs = new ArrayList<>();
        root.put("sse", runs);
        for (int i = 5; i < args.length; i++) {
            runs.add(run(base, pid, heartbeatSeconds, interrupts, Integer.parseInt(args[i])));
            Stats.write(out, root); // what was measured so far survives a later failure
        }
        Stats.write(out, root);
        System.exit(0); // the HTTP client's threads would keep the JVM up
    }

    private static Map<String, Object> run(String base, long pid, int heartbeatSeconds, int interrupts, int streams)
            throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("streams", streams);
        long baselineKb = retainedHeapKb(pid);
        result.put("heap_before_kb", baselineKb);
        result.put("rss_before_kb", rssKb(pid));

        ExecutorService executor = Executors.newFixedThreadPool(8);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(executor)
                .connectTimeout(OPEN_PATIENCE)
                .build();
        String run = Long.toString(System.nanoTime(), 36);
        CountDownLatch connected = new CountDownLatch(streams);
        AtomicInteger failed = new AtomicInteger();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Flow.Subscription> subscriptions = java.util.Collections.synchronizedList(new ArrayList<>());

        long t0 = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            String device = "cap-" + run + "-" + i;
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/interrupts/events?hardwareId=" + device))
                    .header("Accept", "text/event-stream")
                    .GET()
                    .build();
            client.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new Flow.Subscriber<String>() {
                        @Override
                        public void onSubscribe(Flow.Subscription subscription) {
                            subscriptions.add(subscription);
                            subscription.request(Long.MAX_VALUE);
                        }

                        @Override
                        public void onNext(String line) {
                            if (line.equals(":connected")) {
                                connected.countDown();
                            } else if (line.startsWith("data:")) {
                                Matcher m = DEVICE.matcher(line);
                                Long sent = m.find() ? sentAt.remove(m.group(1)) : null;
                                if (sent != null) {
                                    delivered.add(System.nanoTime() - sent);
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable error) {}

                        @Override
                        public void onComplete() {}
                    }))
                    .whenComplete((response, error) -> {
                        if (error != null || response.statusCode() != 200) {
                            failed.incrementAndGet();
                            connected.countDown();
                        }
                    });
        }
        boolean all = connected.await(OPEN_PATIENCE.toSeconds(), TimeUnit.SECONDS);
        result.put("open_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        result.put("failures", failed.get() + (all ? 0 : (int) connected.getCount()));

        long withKb = retainedHeapKb(pid);
        long rssWith = rssKb(pid);
        result.put("heap_with_kb", withKb);
        result.put("rss_with_kb", rssWith);
        result.put("heap_per_stream_bytes", (withKb - baselineKb) * 1024 / streams);

        // Interrupts to random devices, one at a time so each delivery is timed alone; GETs alike.
        HttpClient control =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long[] get = new long[interrupts];
        for (int i = 0; i < interrupts + interrupts / 5; i++) { // the first fifth warms up and is not kept
            String device = "cap-" + run + "-" + ThreadLocalRandom.current().nextInt(streams);
            long start = System.nanoTime();
            control.send(
                    HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (i >= interrupts / 5) {
                get[i - interrupts / 5] = System.nanoTime() - start;
            }
        }
        delivered.clear();
        for (int i = 0; i < interrupts + interrupts / 5; i++) {
            if (i == interrupts / 5) {
                awaitQuiet(sentAt);
                delivered.clear();
            }
            String device = "cap-" + run + "-" + ThreadLocalRandom.current().nextInt(streams);
            sentAt.put(device, System.nanoTime());
            control.send(
                    HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device + "?wait=false"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"capacity\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            awaitQuiet(sentAt);
        }
        result.put("delivery_lost", sentAt.size());
        long[] samples = delivered.stream().mapToLong(Long::longValue).toArray();
        result.put("delivery", samples.length == 0 ? null : Stats.summary(samples));
        result.put("get", Stats.summary(get));

        // The clients vanish: every connection closed at once.
        long vanished = System.nanoTime();
        synchronized (subscriptions) {
            subscriptions.forEach(Flow.Subscription::cancel);
        }
        executor.shutdownNow();
        long deadline = vanished + TimeUnit.SECONDS.toNanos(heartbeatSeconds + 5L);
        long afterKb;
        do {
            afterKb = retainedHeapKb(pid);
        } while (afterKb > baselineKb + TOLERANCE_KB && System.nanoTime() < deadline);
        result.put("heap_after_kb", afterKb);
        result.put(
                "heap_back_ms",
                afterKb <= baselineKb + TOLERANCE_KB
                        ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanished)
                        : null);
        result.put("rss_after_kb", rssKb(pid));
        // Let the next run start from a server that has let go of everything.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(heartbeatSeconds + 5L);
        while (retainedHeapKb(pid) > baselineKb + TOLERANCE_KB && System.nanoTime() < settle) {
            Thread.sleep(500); // a benchmark pacing itself, not a test waiting on a condition
        }
        return result;
    }

    /** Waits until the interrupt in flight arrived on its stream, for at most five seconds. */
    private static void awaitQuiet(Map<String, Long> sentAt) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sentAt.isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
    }

    /** The server's heap after a full collection, from {@code jcmd}. */
    private static long retainedHeapKb(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = USED.matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("jcmd", Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String text = new String(process.getInputStream().readAllBytes());
        process.waitFor(30, TimeUnit.SECONDS);
        return text;
    }
}
