package io.interrupthub.reliability;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.interrupthub.reliability.Http.Reply;
import io.interrupthub.reliability.Http.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Load shedding through the real server: at {@code MAX_ACTIVE_SESSIONS} every further open is a quick 429
 * problem while interrupts of the open sessions still succeed; the event stream ({@code interrupt.events.max-streams})
 * and the reference stream ({@code interrupt.reference.max-streams}) have caps, answer 503 problems beyond them,
 * and give their slots back when a stream goes away.
 */
@ReliabilityServer
class LoadSheddingHttpTest {

    private static final String FAMILY = "http-load-shedding";
    private static final int CAP = ReliabilityServer.MAX_ACTIVE_SESSIONS;

    @LocalServerPort
    private int port;

    private Http http;
    private final List<String> sessionsToEnd = Collections.synchronizedList(new ArrayList<>());
    private final List<InputStream> streams = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (InputStream stream : streams) {
            stream.close();
        }
        for (String id : sessionsToEnd) {
            http.send(Request.of("DELETE", "/sessions/" + id));
        }
    }

    @AfterAll
    static void report() {
        Tally.print(FAMILY);
    }

    private JsonNode stats() {
        Reply reply = http.send(Request.of("GET", "/interrupts/stats"));
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    private Reply open(String hardwareId) {
        Reply reply = http.send(Request.of("POST", "/sessions").json("{\"hardwareId\":\"" + hardwareId + "\"}"));
        if (reply.status() == 201) {
            sessionsToEnd.add(reply.json().get("sessionId").asString());
        }
        return reply;
    }

    private static long percentile(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    @Test
    void opensBeyondTheCapAreQuick429sWhileInterruptsOfOpenSessionsStillSucceed() throws Exception {
        int free = CAP - stats().get("sessions").get("active").intValue();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < free; i++) {
            String device = "shed-" + i;
            assertThat(open(device).status()).as("filling up to the cap").isEqualTo(201);
            devices.add(device);
        }
        assertThat(stats().get("sessions").get("active").intValue()).isEqualTo(CAP);

        // phase 1: a burst of opens at the cap, from 8 threads: every one a quick 429 problem
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> new Thread(r, "shed-client"));
        Queue<Long> latencies = new ConcurrentLinkedQueue<>();
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> burst = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                burst.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        Request request = Request.of("POST", "/sessions")
                                .json("{\"hardwareId\":\"burst-" + thread + "-" + i + "\"}");
                        long start = System.nanoTime();
                        Reply reply = http.send(request);
                        latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        try {
                            JsonNode problem = Http.assertProblem(reply, Set.of(429), request);
                            assertThat(problem.get("detail").asString()).contains("MAX_ACTIVE_SESSIONS");
                        } catch (AssertionError e) {
                            wrong.add(e.getMessage());
                            if (reply.status() == 201) {
                                sessionsToEnd.add(reply.json().get("sessionId").asString());
                            }
                        }
                    }
                }));
            }
            Watchdog.awaitAll(burst, Duration.ofSeconds(60), "open burst at the cap");
            assertThat(wrong).as("answers to opens at the cap").isEmpty();
            List<Long> sorted = latencies.stream().sorted().toList();
            System.out.printf(
                    "[reliability] 429 at the cap: %d answers, p50 %d ms, p95 %d ms, max %d ms%n",
                    sorted.size(), percentile(sorted, 0.5), percentile(sorted, 0.95), sorted.get(sorted.size() - 1));
            Tally.add(FAMILY, "refused-opens", sorted.size());
            assertThat(percentile(sorted, 0.95)).as("429s are quick (p95, ms)").isLessThan(1_000);
            assertThat(stats().get("sessions").get("active").intValue())
                    .as("nothing evicted")
                    .isEqualTo(CAP);

            // phase 2: the flood goes on while every open session's device is interrupted
            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicInteger floodAdmitted = new AtomicInteger();
            AtomicInteger floodRefused = new AtomicInteger();
            CountDownLatch floodStarted = new CountDownLatch(6);
            List<Future<?>> flood = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int thread = t;
                flood.add(pool.submit(() -> {
                    floodStarted.countDown();
                    for (int i = 0; flooding.get(); i++) {
                        Request request = Request.of("POST", "/sessions")
                                .json("{\"hardwareId\":\"flood-" + thread + "-" + i + "\"}");
                        Reply reply = http.send(request);
                        if (reply.status() == 201) {
                            floodAdmitted.incrementAndGet();
                            sessionsToEnd.add(reply.json().get("sessionId").asString());
                        } else {
                            floodRefused.incrementAndGet();
                            try {
                                Http.assertProblem(reply, Set.of(429), request);
                            } catch (AssertionError e) {
                                wrong.add(e.getMessage());
                            }
                        }
                    }
                }));
            }
            floodStarted.await();
            int interrupted = 0;
            for (String device : devices) {
                Request request =
                        Request.of("POST", "/interrupt/" + device).json("{\"reason\":\"barge_in_under_load\"}");
                Reply reply = http.send(request);
                assertThat(reply.status()).as("interrupt at the cap: %s", reply).isEqualTo(200);
                JsonNode result = reply.json();
                assertThat(result.get("success").booleanValue())
                        .as("interrupt result %s", result)
                        .isTrue();
                assertThat(result.get("sessionsInterrupted").intValue()).isEqualTo(1);
                interrupted += result.get("sessionsInterrupted").intValue();
                Tally.inc(FAMILY, "interrupts-under-flood");
            }
            flooding.set(false);
            Watchdog.awaitAll(flood, Duration.ofSeconds(60), "open flood");
            Tally.add(FAMILY, "flood-opens", floodAdmitted.get() + floodRefused.get());
            assertThat(wrong).as("refusals during the flood").isEmpty();
            assertThat(floodAdmitted.get())
                    .as("admitted only into slots the interrupts freed")
                    .isLessThanOrEqualTo(interrupted);
            assertThat(stats().get("sessions").get("active").intValue()).isLessThanOrEqualTo(CAP);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Reads the first line of a stream (the server's {@code :connected} comment), so the stream is live. */
    private static String firstLine(InputStream body) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        return reader.readLine();
    }

    @Test
    void eventStreamsHaveACapAndAnswer503ProblemBeyondItThenGiveTheSlotBack() throws Exception {
        // fill every slot; a stream another test just closed may hold one until the next heartbeat finds it gone
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    HttpResponse<InputStream> response = http.openStream("/interrupts/events", "text/event-stream");
                    if (response.statusCode() == 200) {
                        open.add(response);
                        streams.add(response.body());
                        assertThat(firstLine(response.body())).isEqualTo(":connected");
                    } else {
                        response.body().close();
                    }
                    return open.size() == ReliabilityServer.MAX_EVENT_STREAMS;
                });
        assertThat(open).hasSize(ReliabilityServer.MAX_EVENT_STREAMS);

        for (String accept : List.of("text/event-stream", "application/json", "*/*")) {
            Request request = Request.of("GET", "/interrupts/events").header("Accept", accept);
            Reply reply = http.send(request);
            JsonNode problem = Http.assertProblem(reply, Set.of(503), request);
            assertThat(problem.get("detail").asString()).contains("interrupt.events.max-streams");
            Tally.inc(FAMILY, "refused-event-streams");
        }
        // the API itself is not shed with the streams
        Reply interrupt = http.send(Request.of("POST", "/interrupt/stream-cap-dev"));
        assertThat(interrupt.status()).isEqualTo(200);

        // a client goes away: its slot comes back (found at the next heartbeat, 200 ms here)
        open.get(0).body().close();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    HttpResponse<InputStream> again = http.openStream("/interrupts/events", "text/event-stream");
                    if (again.statusCode() == 200) {
                        streams.add(again.body());
                        return true;
                    }
                    again.body().close();
                    return false;
                });
    }

    @Test
    void referenceStreamsHaveACapAndAnswer503ProblemBeyondItThenGiveTheSlotBack() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ReliabilityServer.MAX_REFERENCE_STREAMS + 1; i++) {
            Reply reply = open("ref-cap-" + i);
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            ids.add(reply.json().get("sessionId").asString());
        }
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        for (int i = 0; i < ReliabilityServer.MAX_REFERENCE_STREAMS; i++) {
            HttpResponse<InputStream> response =
                    http.openStream("/sessions/" + ids.get(i) + "/stream?rate=1", "text/event-stream");
            assertThat(response.statusCode()).isEqualTo(200);
            open.add(response);
            streams.add(response.body());
        }
        String extra = "/sessions/" + ids.get(ReliabilityServer.MAX_REFERENCE_STREAMS) + "/stream?rate=1";
        for (String accept : List.of("text/event-stream", "application/json")) {
            Request request = Request.of("GET", extra).header("Accept", accept);
            Reply reply = http.send(request);
            JsonNode problem = Http.assertProblem(reply, Set.of(503), request);
            assertThat(problem.get("detail").asString()).contains("interrupt.reference.max-streams");
            Tally.inc(FAMILY, "refused-reference-streams");
        }

        // an interrupt ends the first stream at once; its slot comes back
        Reply interrupt = http.send(Request.of("POST", "/interrupt/ref-cap-0").json("{\"reason\":\"barge_in\"}"));
        assertThat(interrupt.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    HttpResponse<InputStream> again = http.openStream(extra, "text/event-stream");
                    if (again.statusCode() == 200) {
                        streams.add(again.body());
                        return true;
                    }
                    again.body().close();
                    return false;
                });
    }
}
