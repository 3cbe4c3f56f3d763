package io.interrupthub.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two figures for issue 16, against a running service on loopback (JDK only, so it runs from the
 * benchmarks jar or compiled on its own):
 *
 * <ul>
 *   <li>{@code commit} vs {@code heartbeat}: the round trip of {@code POST /sessions/{id}/commit} against
 *       {@code POST /sessions/{id}/heartbeat} on the same client, connection pool and session, in alternating
 *       rounds; the ratio is the median of the per-round ratios of medians. Each commit names a new action
 *       (a repeat would only look the first one up), on a new session every 60 commits (the cap is 64).</li>
 *   <li>{@code timeToSilence} (the service started with INTERRUPT_REFERENCE_ENABLED=true): a session streams
 *       {@code GET /sessions/{id}/stream?rate=50}, {@code POST /interrupt} cuts it, the stream, which is the
 *       reference pipeline's playback edge, confirms its own stop, and the interrupt's recorded
 *       {@code timeToSilenceMs} is read back from {@code GET /interrupts}.</li>
 * </ul>
 *
 * Usage: {@code SilenceAndCommitBench <base-url> <calls-per-round> <rounds> <silence-samples>}; prints a
 * Markdown table.
 */
public final class SilenceAndCommitBench {

    private static final Pattern SESSION_ID = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TIME_TO_SILENCE = Pattern.compile("\"timeToSilenceMs\"\\s*:\\s*([0-9.]+)");
    private static final Pattern SILENCE = Pattern.compile("\"silence\"\\s*:\\s*\"([A-Z]+)\"");

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private final String device = "bench-silence-" + ProcessHandle.current().pid();
    private String sessionId;
    private int commitsOnSession;
    private long actions;

    private SilenceAndCommitBench(String base) {
        this.base = base;
    }

    public static void main(String[] args) throws Exception {
        SilenceAndCommitBench bench = new SilenceAndCommitBench(args[0].replaceAll("/+$", ""));
        int perRound = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int silenceSamples = Integer.parseInt(args[3]);
        bench.commitVersusHeartbeat(perRound / 4, 1); // warm-up, dropped
        double[] ratios = new double[rounds];
        List<Long> commits = new ArrayList<>();
        List<Long> heartbeats = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long[][] round = bench.commitVersusHeartbeat(perRound, r);
            ratios[r] = (double) median(round[0]) / median(round[1]);
            Arrays.stream(round[0]).forEach(commits::add);
            Arrays.stream(round[1]).forEach(heartbeats::add);
        }
        long[] allCommits = commits.stream().mapToLong(Long::longValue).toArray();
        long[] allHeartbeats = heartbeats.stream().mapToLong(Long::longValue).toArray();
        System.out.println("| What | p50 | p99 | Baseline p50 / p99 | Ratio (median of per-round p50 ratios) |");
        System.out.println("|---|---|---|---|---|");
        System.out.printf(
                Locale.ROOT,
                "| `POST /sessions/{id}/commit` vs `POST /sessions/{id}/heartbeat`, %d × %d calls each "
                        + "| %s | %s | %s / %s | %.2f× |%n",
                rounds,
                perRound,
                us(percentile(allCommits, 50)),
                us(percentile(allCommits, 99)),
                us(percentile(allHeartbeats, 50)),
                us(percentile(allHeartbeats, 99)),
                medianOf(ratios));
        if (silenceSamples > 0) {
            double[] silence = bench.timeToSilence(silenceSamples);
            Arrays.sort(silence);
            System.out.printf(
                    Locale.ROOT,
                    "| time to silence, reference pipeline (%d interrupts, all CONFIRMED) "
                            + "| %.2f ms | %.2f ms | (interrupt start → the stream's own stop receipt) | — |%n",
                    silence.length,
                    silence[(int) Math.ceil(0.5 * silence.length) - 1],
                    silence[(int) Math.ceil(0.99 * silence.length) - 1]);
        }
    }

    /** Alternates a commit and a heartbeat on the same session; returns {commits, heartbeats} in nanoseconds. */
    private long[][] commitVersusHeartbeat(int count, int round) throws Exception {
        long[] commit = new long[count];
        long[] heartbeat = new long[count];
        for (int i = 0; i < count; i++) {
            if (sessionId == null || commitsOnSession >= 60) {
                if (sessionId != null) {
                    send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + sessionId))
                            .DELETE()
                            .build());
                }
                sessionId = open();
                commitsOnSession = 0;
            }
            HttpRequest beat = HttpRequest.newBuilder(URI.create(base + "/sessions/" + sessionId + "/heartbeat"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpRequest commitCall =
                    json(base + "/sessions/" + sessionId + "/commit", "{\"action\": \"act_" + (actions++) + "\"}");
            // Which goes first alternates, so neither always meets a warm connection.
            boolean commitFirst = (i + round) % 2 == 0;
            long a = timed(commitFirst ? commitCall : beat);
            long b = timed(commitFirst ? beat : commitCall);
            commit[i] = commitFirst ? a : b;
            heartbeat[i] = commitFirst ? b : a;
            commitsOnSession++;
        }
        return new long[][] {commit, heartbeat};
    }

    private double[] timeToSilence(int samples) throws Exception {
        double[] out = new double[samples];
        for (int i = 0; i < samples; i++) {
            String hw = device + "-ref-" + i;
            String id = openOn(hw);
            HttpResponse<InputStream> stream = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/sessions/" + id + "/stream?rate=50"))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                int chunks = 0;
                String line;
                while ((line = reader.readLine()) != null && chunks < 5) {
                    if (line.startsWith("event:") && line.contains("chunk")) {
                        chunks++;
                    }
                }
                send(json(base + "/interrupt/" + hw, "{\"reason\": \"user_barge_in\"}"));
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("event:") && line.contains("interrupted")) {
                        break;
                    }
                }
            }
            out[i] = recordedTimeToSilence(hw);
        }
        return out;
    }

    /** Polls the recorded interrupt until its silence resolved; the receipt is sent right after the event. */
    private double recordedTimeToSilence(String hw) throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            String body = send(HttpRequest.newBuilder(URI.create(base + "/interrupts?hardwareId=" + hw + "&limit=1"))
                    .GET()
                    .build());
            Matcher state = SILENCE.matcher(body);
            if (state.find() && !state.group(1).equals("PENDING")) {
                if (!state.group(1).equals("CONFIRMED")) {
                    throw new IllegalStateException("silence " + state.group(1) + " for " + hw + ": " + body);
                }
                Matcher time = TIME_TO_SILENCE.matcher(body);
                if (!time.find()) {
                    throw new IllegalStateException("no timeToSilenceMs: " + body);
                }
                return Double.parseDouble(time.group(1));
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("silence of " + hw + " never resolved");
    }

    private String open() throws Exception {
        return openOn(device);
    }

    private String openOn(String hw) throws Exception {
        Matcher m = SESSION_ID.matcher(send(json(base + "/sessions", "{\"hardwareId\": \"" + hw + "\"}")));
        if (!m.find()) {
            throw new IllegalStateException("no session opened");
        }
        return m.group(1);
    }

    private long timed(HttpRequest request) throws Exception {
        long t0 = System.nanoTime();
        send(request);
        return System.nanoTime() - t0;
    }

    private String send(HttpRequest request) throws Exception {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(
                    request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static HttpRequest json(String uri, String body) {
        return HttpRequest.newBuilder(URI.create(uri))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static long median(long[] values) {
        return percentile(values, 50);
    }

    private static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private static double medianOf(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }

    private static String us(long nanos) {
        return String.format(Locale.ROOT, "%.0f µs", nanos / 1_000.0);
    }
}
