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
import java.util.Collections;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Capacity of the push streams of a running service (its pid given, to read its heap and resident memory):
 * the SSE event streams and, with {@code --grpc PORT}, the gRPC {@code WatchInterrupts} streams. For each
 * stream count and each kind: that many streams opened in one burst, one per device and one connection each;
 * then interrupts to random devices, each timed from {@code POST /interrupt/D?wait=false} until its first
 * event arrives on D's stream, against the p99 of a plain {@code GET /interrupt/D} round trip taken in the same
 * run with the streams open (for gRPC also a unary call's round trip, the standard health check, on the same
 * server); then the clients vanish and the server's retained heap (after a full GC) is read until it is back
 * at its level before the burst.
 *
 * <p>Usage: {@code StreamCapacity <base-url> <server-pid> <heartbeat-seconds> <interrupts> <out.json>
 * [--grpc PORT] [--no-sse] [--server-log FILE] N...}. A run whose service stops answering (a request of the
 * timed phase not answered within 30 s: a service out of heap) is recorded as aborted, with the count of
 * {@code OutOfMemoryError}s in the service's log when it is given, and the next run goes on. The gRPC runs need the gRPC client on the class path (bench/run.sh takes it
 * from the service jar).
 */
public final class StreamCapacity {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern DEVICE = Pattern.compile("\"hardwareId\"\\s*:\\s*\"([^\"]+)\"");
    static final Duration OPEN_PATIENCE = Duration.ofSeconds(120);
    /** Retained heap within this of the baseline counts as back. */
    private static final long TOLERANCE_KB = 4 * 1024;
    /** Open connections (file descriptors) within this of the baseline count as released. */
    private static final long FD_TOLERANCE = 8;
    /** The warm-up burst: more than Tomcat's 200 cached processors and 200 threads. */
    private static final int WARMUP = 500;

    private static final int WARM_INTERRUPTS = 50;
    /** A request of the timed phase not answered within this: the service has stopped answering. */
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);

    private static Path serverLog;

    /** What a stream tells the run: answered (its first event), an event of a device, or its end. */
    interface Events {
        void answered();

        void event(String hardwareId);

        void ended();
    }

    /** One kind of stream: opened one by one, vanished all at once. */
    interface Fleet {
        void open(String hardwareId, Events events);

        /** Every client goes away at once: connections closed without a word. */
        void vanish();

        /** One round trip of a unary call on the same transport, in nanoseconds; null when there is none. */
        default LongSupplier unaryRoundTrip() {
            return null;
        }
    }

    private StreamCapacity() {}

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/+$", "");
        long pid = Long.parseLong(args[1]);
        int heartbeatSeconds = Integer.parseInt(args[2]);
        int interrupts = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        int grpcPort = -1;
        boolean sse = true;
        List<Integer> counts = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            switch (args[i]) {
                case "--grpc" -> grpcPort = Integer.parseInt(args[++i]);
                case "--no-sse" -> sse = false;
                case "--server-log" -> serverLog = Path.of(args[++i]);
                default -> counts.add(Integer.parseInt(args[i]));
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("heartbeat_s", heartbeatSeconds);
        root.put("interrupts", interrupts);
        List<Object> sseRuns = new ArrayList<>();
        List<Object> grpcRuns = new ArrayList<>();
        if (sse) {
            root.put("sse", sseRuns);
        }
        if (grpcPort > 0) {
            root.put("grpc", grpcRuns);
        }
        String host = URI.create(base).getHost();
        root.put("heap_cold_kb", retainedHeapKb(pid));
        // A first burst grows pools that stay at their size, bounded, for the server's life: Tomcat keeps up to
        // 200 request processors (processorCache, each with its buffers, about 90 KiB) and 200 threads, Netty its
        // buffer caches. A warm-up burst of each kind fills them, so that the baseline each run returns to is
        // that of a server that has served a burst before; the cold figure is kept beside it.
        if (sse) {
            root.put(
                    "sse_warmup", run("sse", new SseFleet(base), base, pid, heartbeatSeconds, WARM_INTERRUPTS, WARMUP));
        }
        if (grpcPort > 0) {
            root.put(
                    "grpc_warmup",
                    run("grpc", new GrpcFleet(host, grpcPort), base, pid, heartbeatSeconds, WARM_INTERRUPTS, WARMUP));
        }
        // gRPC first: the largest SSE count may exhaust a 1 GiB heap (10,000 did), and a service that ran out of
        // memory is no baseline for what is measured after it.
        for (int streams : grpcPort > 0 ? counts : List.<Integer>of()) {
            grpcRuns.add(run("grpc", new GrpcFleet(host, grpcPort), base, pid, heartbeatSeconds, interrupts, streams));
            Stats.write(out, root); // what was measured so far survives a later failure
        }
        for (int streams : sse ? counts : List.<Integer>of()) {
            sseRuns.add(run("sse", new SseFleet(base), base, pid, heartbeatSeconds, interrupts, streams));
            Stats.write(out, root);
        }
        Stats.write(out, root);
        System.exit(0); // the clients' threads would keep the JVM up
    }

    private static Map<String, Object> run(
            String kind, Fleet fleet, String base, long pid, int heartbeatSeconds, int interrupts, int streams)
            throws Exception {
        log(kind + ": " + streams + " streams");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("streams", streams);
        long baselineKb = retainedHeapKb(pid);
        result.put("heap_before_kb", baselineKb);
        result.put("rss_before_kb", rssKb(pid));
        result.put("fds_before", fds(pid));

        String run = Long.toString(System.nanoTime(), 36);
        CountDownLatch settled = new CountDownLatch(streams);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger endedEarly = new AtomicInteger();
        AtomicBoolean vanishing = new AtomicBoolean();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> delivered = Collections.synchronizedList(new ArrayList<>());

        long t0 = System.nanoTime();
        // Interrupts go to devices whose stream was answered: one that never opened cannot deliver.
        List<String> open = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < streams; i++) {
            String hardwareId = "cap-" + run + "-" + i;
            AtomicBoolean answered = new AtomicBoolean();
            AtomicBoolean over = new AtomicBoolean();
            fleet.open(hardwareId, new Events() {
                @Override
                public void answered() {
                    if (answered.compareAndSet(false, true)) {
                        open.add(hardwareId);
                        settled.countDown();
                    }
                }

                @Override
                public void event(String hardwareId) {
                    Long sent = sentAt.remove(hardwareId);
                    if (sent != null) {
                        delivered.add(System.nanoTime() - sent);
                    }
                }

                @Override
                public void ended() {
                    if (!over.compareAndSet(false, true)) {
                        return;
                    }
                    if (answered.compareAndSet(false, true)) { // refused or never answered
                        failed.incrementAndGet();
                        settled.countDown();
                    } else if (!vanishing.get()) {
                        endedEarly.incrementAndGet();
                    }
                }
            });
        }
        boolean all = settled.await(OPEN_PATIENCE.toSeconds(), TimeUnit.SECONDS);
        result.put("open_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        result.put("failures", failed.get() + (all ? 0 : (int) settled.getCount()));
        log(kind + ": " + streams + " opened in " + result.get("open_ms") + " ms, failures " + result.get("failures"));

        long withKb = retainedHeapKb(pid);
        long rssWith = rssKb(pid);
        result.put("heap_with_kb", withKb);
        result.put("rss_with_kb", rssWith);
        result.put("fds_with", fds(pid));
        // Per stream open: a refused or unanswered one holds nothing.
        long opened = Math.max(1, streams - (int) result.get("failures"));
        result.put("heap_per_stream_bytes", (withKb - baselineKb) * 1024 / opened);
        result.put("rss_per_stream_bytes", (rssWith - (long) result.get("rss_before_kb")) * 1024 / opened);

        // Interrupts to random devices, one at a time so each delivery is timed alone; GETs alike.
        HttpClient control =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        LongSupplier unary = fleet.unaryRoundTrip();
        int warm = interrupts / 5; // the first fifth warms up and is not kept
        int rounds = open.isEmpty() ? 0 : interrupts + warm;
        long[] get = new long[interrupts];
        long[] unaryTimes = new long[interrupts];
        try {
            timed(base, control, unary, open, warm, rounds, get, unaryTimes, sentAt, delivered);
        } catch (IOException | RuntimeException stoppedAnswering) { // a gRPC call past its deadline too
            String aborted = "the service stopped answering (" + stoppedAnswering + ")" + outOfMemory();
            log(kind + ": " + streams + " aborted: " + aborted);
            result.put("aborted", aborted);
            vanishing.set(true);
            fleet.vanish();
            return result;
        }
        result.put("delivery_lost", sentAt.size());
        long[] samples = delivered.stream().mapToLong(Long::longValue).toArray();
        result.put("delivery", samples.length == 0 ? null : Stats.summary(samples));
        result.put("get", Stats.summary(get));
        if (unary != null) {
            result.put("unary", Stats.summary(unaryTimes));
        }
        result.put("ended_early", endedEarly.get());
        log(kind + ": " + streams + " delivery " + result.get("delivery") + ", GET " + result.get("get"));

        // The clients vanish: every connection closed at once.
        vanishing.set(true);
        long vanished = System.nanoTime();
        fleet.vanish();
        long deadline = vanished + TimeUnit.SECONDS.toNanos(heartbeatSeconds + 5L);
        long fdsBefore = (long) result.get("fds_before");
        Long fdsBackMs = null;
        Long heapBackMs = null;
        long afterKb;
        do {
            if (fdsBackMs == null && fds(pid) <= fdsBefore + FD_TOLERANCE) {
                fdsBackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanished);
            }
            afterKb = retainedHeapKb(pid);
            if (heapBackMs == null && afterKb <= baselineKb + TOLERANCE_KB) {
                heapBackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanished);
            }
        } while ((heapBackMs == null || fdsBackMs == null) && System.nanoTime() < deadline);
        if (heapBackMs != null && afterKb > baselineKb + TOLERANCE_KB) {
            heapBackMs = null; // back once, then up again: not released
        }
        result.put("heap_after_kb", afterKb);
        result.put("heap_back_ms", heapBackMs);
        result.put("fds_back_ms", fdsBackMs);
        result.put("rss_after_kb", rssKb(pid));
        result.put("fds_after", fds(pid));
        // Let the next run start from a server that has let go of everything.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(heartbeatSeconds + 5L);
        while ((retainedHeapKb(pid) > baselineKb + TOLERANCE_KB || fds(pid) > fdsBefore + FD_TOLERANCE)
                && System.nanoTime() < settle) {
            Thread.sleep(500); // a benchmark pacing itself, not a test waiting on a condition
        }
        log(kind + ": " + streams + " heap after vanish " + afterKb + " KiB (before " + baselineKb + " KiB), back in "
                + heapBackMs + " ms; connections (fds " + fds(pid) + ", before " + fdsBefore + ") back in " + fdsBackMs
                + " ms");
        return result;
    }

    /** SSE: {@code GET /interrupts/events?hardwareId=D} on the JDK HTTP client, one connection each. */
    private static final class SseFleet implements Fleet {

        private final String base;
        private final ExecutorService executor = Executors.newFixedThreadPool(8);
        private final HttpClient client;
        private final List<Flow.Subscription> subscriptions = Collections.synchronizedList(new ArrayList<>());

        SseFleet(String base) {
            this.base = base;
            this.client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .executor(executor)
                    .connectTimeout(OPEN_PATIENCE)
                    .build();
        }

        @Override
        public void open(String hardwareId, Events events) {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create(base + "/interrupts/events?hardwareId=" + hardwareId))
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
                                events.answered();
                            } else if (line.startsWith("data:")) {
                                Matcher m = DEVICE.matcher(line);
                                if (m.find()) {
                                    events.event(m.group(1));
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable error) {
                            events.ended();
                        }

                        @Override
                        public void onComplete() {
                            events.ended();
                        }
                    }))
                    .whenComplete((response, error) -> {
                        if (error != null || response.statusCode() != 200) {
                            events.ended();
                        }
                    });
        }

        @Override
        public void vanish() {
            synchronized (subscriptions) {
                subscriptions.forEach(Flow.Subscription::cancel);
            }
            executor.shutdownNow();
        }
    }

    /** GET round trips, then interrupts each timed until its event arrives; the first {@code warm} of each are not kept. */
    private static void timed(
            String base,
            HttpClient control,
            LongSupplier unary,
            List<String> open,
            int warm,
            int rounds,
            long[] get,
            long[] unaryTimes,
            Map<String, Long> sentAt,
            List<Long> delivered)
            throws IOException, InterruptedException {
        for (int i = 0; i < rounds; i++) {
            String device = open.get(ThreadLocalRandom.current().nextInt(open.size()));
            long start = System.nanoTime();
            control.send(
                    HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device))
                            .timeout(CONTROL_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            long took = System.nanoTime() - start;
            long unaryTook = unary == null ? 0 : unary.getAsLong();
            if (i >= warm) {
                get[i - warm] = took;
                unaryTimes[i - warm] = unaryTook;
            }
        }
        delivered.clear();
        for (int i = 0; i < rounds; i++) {
            if (i == warm) {
                awaitQuiet(sentAt);
                delivered.clear();
            }
            String device = open.get(ThreadLocalRandom.current().nextInt(open.size()));
            sentAt.put(device, System.nanoTime());
            control.send(
                    HttpRequest.newBuilder(URI.create(base + "/interrupt/" + device + "?wait=false"))
                            .timeout(CONTROL_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"capacity\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            awaitQuiet(sentAt);
        }
    }

    /** What the service's log says of its heap, when the run was given it. */
    private static String outOfMemory() {
        if (serverLog == null || !Files.exists(serverLog)) {
            return "";
        }
        try (java.util.stream.Stream<String> lines = Files.lines(serverLog)) {
            long count = lines.filter(line -> line.contains("OutOfMemoryError")).count();
            return count == 0 ? "" : "; `OutOfMemoryError` in its log " + (count == 1 ? "once" : count + " times");
        } catch (IOException | java.io.UncheckedIOException unreadable) {
            return "";
        }
    }

    /** Waits until the interrupt in flight arrived on its stream, for at most five seconds. */
    private static void awaitQuiet(Map<String, Long> sentAt) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sentAt.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000);
        }
    }

    static void log(String message) {
        System.out.println("[streams " + java.time.LocalTime.now().withNano(0) + "] " + message);
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

    /** The server's open file descriptors (sockets included). */
    private static long fds(long pid) {
        String[] open = new java.io.File("/proc/" + pid + "/fd").list();
        return open == null ? -1 : open.length;
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
