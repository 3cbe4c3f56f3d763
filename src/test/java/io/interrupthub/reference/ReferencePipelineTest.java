package io.interrupthub.reference;

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
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.Session;
import io.interrupthub.core.SilenceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** The reference pipeline end to end: a stream stops on interrupt and only what was heard is kept. */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interrupt.reference.enabled=true", "interrupt.reference.words=40"})
class ReferencePipelineTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    @LocalServerPort
    int port;

    @Autowired
    InterruptManager manager;

    @Autowired
    ReferenceModules.TextProcessing text;

    @Autowired
    ReferenceModules.AudioGeneration audio;

    @Autowired
    ReferenceModules.Memory memory;

    @Autowired
    ReferenceModules.Database database;

    private final List<InputStream> open = new ArrayList<>();

    record Event(String name, JsonNode data) {}

    @AfterEach
    void closeStreams() throws Exception {
        for (InputStream stream : open) {
            stream.close();
        }
    }

    @Test
    void theReferenceModulesAreRegistered() {
        assertThat(manager.modules())
                .extracting(m -> m.module())
                .containsExactlyInAnyOrder(
                        "session_management", "text_processing", "audio_generation", "memory", "database");
    }

    @Test
    void anInterruptStopsTheStreamEmptiesTheModulesAndKeepsOnlyWhatWasHeard() throws Exception {
        Session session = manager.openSession("ref-kitchen-1");
        BlockingQueue<Event> events = stream(session.sessionId(), 50);
        for (int i = 0; i < 5; i++) {
            assertThat(next(events).name()).isEqualTo("chunk");
        }
        assertThat(text.buffered("ref-kitchen-1")).isNotEmpty();
        assertThat(audio.queued("ref-kitchen-1")).isPositive();
        assertThat(database.cachedCount("ref-kitchen-1")).isPositive();

        InterruptResult result = manager.interruptAndWait("ref-kitchen-1", "user_barge_in");

        assertThat(result.modules()).extracting(ModuleResult::outcome).containsOnly(ModuleOutcome.OK);
        Event last = drainToEnd(events);
        assertThat(last.name()).isEqualTo("interrupted");
        long heardChars = last.data().get("deliveredChars").asLong();
        assertThat(result.delivered()).singleElement().satisfies(d -> {
            assertThat(d.sessionId()).isEqualTo(session.sessionId());
            assertThat(d.textChars()).isEqualTo(heardChars);
            assertThat(d.audioMs()).isEqualTo(heardChars * ReferenceStreams.AUDIO_MS_PER_CHAR);
        });
        String heard = last.data().get("heard").stringValue();
        assertThat(heard).hasSize((int) heardChars).startsWith("Interrupt Hub stops");
        // The stream confirmed its own stop: the interrupt is silent, measured to that receipt.
        assertThat(session.stoppedAt()).isPresent();
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        manager.history("ref-kitchen-1", 1).get(0).silence().state() == SilenceState.CONFIRMED);
        double timeToSilence =
                manager.history("ref-kitchen-1", 1).get(0).silence().timeToSilenceMs();
        assertThat(timeToSilence).isGreaterThanOrEqualTo(0.0);
        assertThat((double) last.data().get("timeToSilenceMs").asLong())
                .as("whole milliseconds in the stream")
                .isCloseTo(timeToSilence, within(1.0));
        assertThat(memory.history("ref-kitchen-1")).containsExactly(heard);
        assertThat(memory.draft("ref-kitchen-1")).isEmpty();
        assertThat(text.buffered("ref-kitchen-1")).isEmpty();
        assertThat(audio.queued("ref-kitchen-1")).isZero();
        assertThat(database.cachedCount("ref-kitchen-1")).isZero();
    }

    @Test
    void aPausedStreamHoldsItsWordsAndGoesOnFromTheSameWordWhenResumed() throws Exception {
        Session session = manager.openSession("ref-kitchen-3");
        // Ten words a second: the pause after the fifth comes seconds before the answer could end by itself.
        BlockingQueue<Event> events = stream(session.sessionId(), 10);
        List<Event> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            seen.add(next(events));
        }

        manager.pause("ref-kitchen-3", "cough", null);
        Event paused = nextNamed(events, "paused", seen);
        // Held: nothing is sent and the audio queue is kept, not flushed.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(events::isEmpty);
        await().atMost(Duration.ofSeconds(5)).until(() -> audio.isHeld("ref-kitchen-3"));
        assertThat(audio.queued("ref-kitchen-3")).isPositive();
        manager.resume("ref-kitchen-3");
        Event resumed = nextNamed(events, "resumed", seen);
        Event last = drainToEnd(events, seen);

        assertThat(resumed.data().get("index").asInt())
                .isEqualTo(paused.data().get("index").asInt());
        assertThat(resumed.data().get("outcome").stringValue()).isEqualTo("resumed");
        assertThat(last.name()).isEqualTo("done");
        List<Event> chunks = seen.stream().filter(e -> e.name().equals("chunk")).toList();
        assertThat(chunks)
                .extracting(e -> e.data().get("index").asInt())
                .as("every word once, in order")
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, 40).boxed().toList());
        StringBuilder answer = new StringBuilder();
        chunks.forEach(e -> answer.append(e.data().get("text").stringValue()));
        assertThat(memory.history("ref-kitchen-3")).containsExactly(answer.toString());
        await().atMost(Duration.ofSeconds(5)).until(() -> !audio.isHeld("ref-kitchen-3"));
    }

    @Test
    void aStreamHeldByAPauseEndsWhenItsSessionEndsInsteadOfWaitingForAResume() throws Exception {
        Session session = manager.openSession("ref-kitchen-held");
        // Two words a second: the pause comes long before the answer could end by itself, on any machine.
        BlockingQueue<Event> events = stream(session.sessionId(), 2);
        List<Event> seen = new ArrayList<>();
        seen.add(next(events));
        manager.pause("ref-kitchen-held", "cough", null);
        nextNamed(events, "paused", seen);

        manager.endSession(session.sessionId());
        List<Event> after = new ArrayList<>();
        drainToEnd(events, after); // each event, and the end of the stream, within 10 s

        assertThat(after)
                .extracting(Event::name)
                .as("nothing more is said once the session is gone")
                .doesNotContain("chunk", "resumed", "done");
    }

    @Test
    void aStreamThatIsNotInterruptedRecordsTheWholeAnswer() throws Exception {
        Session session = manager.openSession("ref-kitchen-2");
        BlockingQueue<Event> events = stream(session.sessionId(), 1000);
        Event last = drainToEnd(events);
        assertThat(last.name()).isEqualTo("done");
        assertThat(memory.history("ref-kitchen-2"))
                .singleElement()
                .satisfies(h -> assertThat(h)
                        .hasSize((int) last.data().get("deliveredChars").asLong()));
        assertThat(session.delivered().textChars())
                .isEqualTo(last.data().get("deliveredChars").asLong());
    }

    @Test
    void anUnknownSessionOrBadRateIsRefused() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        assertThat(client.send(get("/sessions/nope/stream"), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(404);
        Session session = manager.openSession("ref-kitchen-3");
        HttpResponse<String> badRate = client.send(
                get("/sessions/" + session.sessionId() + "/stream?rate=0"), HttpResponse.BodyHandlers.ofString());
        assertThat(badRate.statusCode()).isEqualTo(400);
        assertThat(badRate.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        manager.endSession(session.sessionId());
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    private BlockingQueue<Event> stream(String sessionId, int rate) throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + port + "/sessions/" + sessionId + "/stream?rate=" + rate))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        open.add(response.body());
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> read(response.body(), events), "sse-reader");
        reader.setDaemon(true);
        reader.start();
        return events;
    }

    private static void read(InputStream body, BlockingQueue<Event> events) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    events.add(new Event(name, JSON.readTree(line.substring(5).strip())));
                    name = null;
                }
            }
            events.add(new Event("end-of-stream", null));
        } catch (Exception closed) {
            events.add(new Event("end-of-stream", null));
        }
    }

    private static Event next(BlockingQueue<Event> events) throws InterruptedException {
        Event event = events.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("an event within 10 s").isNotNull();
        return event;
    }

    /** Reads up to the first event of that name, keeping every event read in {@code seen}. */
    private static Event nextNamed(BlockingQueue<Event> events, String name, List<Event> seen)
            throws InterruptedException {
        while (true) {
            Event event = next(events);
            seen.add(event);
            if (event.name().equals(name)) {
                return event;
            }
        }
    }

    /** The last event before the server ended the stream, keeping every event read in {@code seen}. */
    private static Event drainToEnd(BlockingQueue<Event> events, List<Event> seen) throws InterruptedException {
        Event last = null;
        for (Event event = next(events); !event.name().equals("end-of-stream"); event = next(events)) {
            seen.add(event);
            last = event;
        }
        return last;
    }

    /** The last event before the server ended the stream. */
    private static Event drainToEnd(BlockingQueue<Event> events) throws InterruptedException {
        Event last = null;
        for (Event event = next(events); !event.name().equals("end-of-stream"); event = next(events)) {
            last = event;
        }
        return last;
    }
}
