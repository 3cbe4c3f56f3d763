package io.interrupthub.web;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.JSON;
import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.instant;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /interrupts/events?hardwareId=}: {@code interrupt}, {@code interrupt-result}, {@code session} and
 * {@code gap} events as Server-Sent Events, resumable with {@code Last-Event-ID}, through the real server.
 * Streams are read with the JDK client, which hands lines over as they arrive.
 *
 * <p>Each nested class names the settings it needs; classes with the same settings share one application.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // No silence event may land in the middle of an exact event sequence: the deadline stays far away.
        properties = {"interrupt.events.heartbeat=200ms", "interrupt.silence-deadline=10m"})
class InterruptEventsApiTest {

    static final Duration PATIENCE = Duration.ofSeconds(10);

    // ---- events to the right subscribers, resuming, heartbeats, bad requests -----------------------------------

    @Nested
    class Delivery extends StreamTests {

        @Test
        void subscribersOfTheDeviceGetItsEventsOthersNoneAndAnUnfilteredSubscriberAll() throws Exception {
            String hw = unique("events-dev");
            String other = unique("events-other");
            EventStream first = subscribe(hw, null);
            EventStream second = subscribe(hw, null);
            EventStream otherDevice = subscribe(other, null);
            EventStream everything = subscribe(null, null);
            for (EventStream stream : List.of(first, second, otherDevice, everything)) {
                assertThat(stream.status()).as("status of the stream").isEqualTo(200);
                assertThat(stream.contentType())
                        .as("Content-Type of the stream")
                        .satisfies(type -> assertThat(
                                        MediaType.parseMediaType(type).isCompatibleWith(MediaType.TEXT_EVENT_STREAM))
                                .isTrue());
                stream.awaitConnected();
            }

            String interrupted = api.openSession(hw);
            JsonNode result = api.interrupt(hw, "user_barge_in", "vad");
            long epoch = result.get("epoch").longValue();
            String ended = api.openSession(hw);
            api.endSession(ended);
            // Events are dispatched in publication order, so once the other device's result is through, every
            // event of hw has been written to every stream too.
            JsonNode otherResult = api.interrupt(other, "elsewhere", null);

            for (EventStream stream : List.of(first, second, everything)) {
                stream.awaitEvent(e -> e.is(InterruptEventHub.SESSION, hw)
                        && e.json().get("sessionId").stringValue().equals(ended)
                        && e.json().get("state").stringValue().equals("ENDED"));
            }
            for (EventStream stream : List.of(otherDevice, everything)) {
                stream.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, other));
            }

            List<SseEvent> ofDevice = first.events();
            assertThat(ofDevice)
                    .extracting(SseEvent::name)
                    .as("events of %s in order", hw)
                    .containsExactly("session", "interrupt", "session", "interrupt-result", "session", "session");
            assertThat(ofDevice).allSatisfy(e -> assertThat(e.hardwareId()).isEqualTo(hw));
            assertSession(ofDevice.get(0), interrupted, hw, "ACTIVE");

            JsonNode started = ofDevice.get(1).json();
            assertThat(fieldNames(started))
                    .isEqualTo(Set.of("hardwareId", "epoch", "reason", "source", "at", "sessionIds"));
            assertThat(started.get("epoch").isIntegralNumber()).isTrue();
            assertThat(started.get("epoch").longValue()).isEqualTo(epoch);
            assertThat(started.get("reason").stringValue()).isEqualTo("user_barge_in");
            assertThat(started.get("source").stringValue()).isEqualTo("vad");
            assertThat(instant(started, "at")).isEqualTo(instant(result, "startedAt"));
            assertThat(ApiHttp.elements(started.get("sessionIds")))
                    .extracting(JsonNode::stringValue)
                    .containsExactly(interrupted);

            assertSession(ofDevice.get(2), interrupted, hw, "INTERRUPTED");
            assertThat(ofDevice.get(2).json().get("epoch").longValue())
                    .as("the epoch the session was opened in")
                    .isEqualTo(epoch - 1);
            assertThat(ofDevice.get(2).json().has("interruptedAt")).isTrue();
            assertThat(ofDevice.get(3).json())
                    .as("interrupt-result is the body POST /interrupt answered")
                    .isEqualTo(result);
            assertSession(ofDevice.get(4), ended, hw, "ACTIVE");
            assertSession(ofDevice.get(5), ended, hw, "ENDED");

            assertThat(second.events())
                    .as("both subscribers of %s get the same events, same ids", hw)
                    .isEqualTo(ofDevice);

            List<SseEvent> ofOther = otherDevice.events();
            assertThat(ofOther)
                    .as("a subscriber of another device gets nothing of %s", hw)
                    .noneMatch(e -> hw.equals(e.hardwareId()));
            assertThat(ofOther).extracting(SseEvent::name).containsExactly("interrupt", "interrupt-result");
            assertThat(ofOther.get(1).json()).isEqualTo(otherResult);
            assertThat(ofOther.get(0).json().has("source"))
                    .as("no source given, none sent")
                    .isFalse();

            List<SseEvent> all = everything.events();
            assertThat(all)
                    .as("a subscriber without hardwareId gets the events of every device")
                    .filteredOn(e -> hw.equals(e.hardwareId()))
                    .isEqualTo(ofDevice);
            assertThat(all).filteredOn(e -> other.equals(e.hardwareId())).isEqualTo(ofOther);

            for (EventStream stream : List.of(first, second, otherDevice, everything)) {
                assertWellFormed(stream);
            }
        }

        @Test
        void aResumingSubscriberGetsExactlyWhatItMissedThenLiveEvents() throws Exception {
            String hw = unique("events-resume");
            String other = unique("events-noise");
            EventStream control = subscribe(hw, null);
            EventStream leaving = subscribe(hw, null);
            control.awaitConnected();
            leaving.awaitConnected();

            api.openSession(hw);
            api.interrupt(hw, "before", null); // session ACTIVE, interrupt, session INTERRUPTED, interrupt-result
            control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));
            leaving.awaitEvents(2);
            long lastId = Long.parseLong(leaving.events().get(1).id());
            leaving.close(); // the client saw two events, then lost its connection

            api.interrupt(hw, "while-away", null);
            api.interrupt(other, "noise", null);
            String second = api.openSession(hw);
            api.endSession(second);
            control.awaitEvent(e -> e.is(InterruptEventHub.SESSION, hw)
                    && e.json().get("state").stringValue().equals("ENDED"));
            List<SseEvent> missed = after(control.events(), lastId);
            assertThat(missed).as("what the client missed").hasSize(6);

            EventStream resumed = subscribe(hw, Long.toString(lastId));
            resumed.awaitEvents(missed.size());
            assertThat(resumed.events())
                    .as("replayed after Last-Event-ID %s", lastId)
                    .isEqualTo(missed);
            assertThat(Long.parseLong(resumed.events().get(0).id()))
                    .as("the first replayed event is the next one of %s after %s", hw, lastId)
                    .isEqualTo(Long.parseLong(missed.get(0).id()))
                    .isGreaterThan(lastId);

            api.interrupt(hw, "live", null);
            control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("live"));
            resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("live"));
            assertThat(resumed.events())
                    .as("missed events, then live ones, each once and in order")
                    .isEqualTo(after(control.events(), lastId))
                    .hasSize(missed.size() + 2);
            assertThat(resumed.items().get(0)).as("first thing on the stream").isEqualTo(new Comment("connected"));
            assertWellFormed(resumed);
            assertWellFormed(control);
        }

        /** A client that watched one interrupt of the device and left: the last event it saw. */
        private SseEvent watchOneInterruptAndLeave(String hw) throws Exception {
            EventStream first = subscribe(hw, null);
            first.awaitConnected();
            api.interrupt(hw, "watched", null);
            SseEvent seen = first.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));
            first.close();
            return seen;
        }

        @Test
        void eventsFromWhileNoStreamWatchedAreReplayedInFull() throws Exception {
            String hw = unique("events-unwatched");
            SseEvent seen = watchOneInterruptAndLeave(hw);

            api.interrupt(hw, "unwatched", "nobody-listening");
            EventStream resumed = subscribe(hw, seen.id());
            SseEvent result = resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));

            assertThat(resumed.events()).extracting(SseEvent::name).containsExactly("interrupt", "interrupt-result");
            assertThat(resumed.events()).allSatisfy(e -> {
                assertThat(e.json().get("reason").stringValue()).isEqualTo("unwatched");
                assertThat(e.json().get("source").stringValue()).isEqualTo("nobody-listening");
                assertThat(e.json().get("hardwareId").stringValue()).isEqualTo(hw);
            });
            assertThat(result.json().get("epoch").longValue())
                    .isEqualTo(seen.json().get("epoch").longValue() + 1);
            assertWellFormed(resumed);
        }

        /**
         * With no stream open the dispatcher takes events in batches (it pauses after each wake-up); a stream that
         * opens in the middle of a burst still gets each event after its Last-Event-ID once and in order, the ones
         * from before it opened and the live ones alike: the same sequence as a stream that resumes after the burst.
         */
        @Test
        void aStreamOpenedDuringABurstWhileNoneWatchedMissesNothingAndRepeatsNothing() throws Exception {
            String hw = unique("events-burst-unwatched");
            SseEvent seen = watchOneInterruptAndLeave(hw);
            await().atMost(PATIENCE).until(() -> hub.openStreams() == 0);

            int threads = 4;
            int each = 25;
            CountDownLatch halfway = new CountDownLatch(threads * each / 2);
            Set<Long> epochs = ConcurrentHashMap.newKeySet(); // interrupts that meet one running join it
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                senders.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < each; i++) {
                        try {
                            epochs.add(api.interrupt(hw, "burst", null)
                                    .get("epoch")
                                    .longValue());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        halfway.countDown();
                    }
                }));
            }
            assertThat(halfway.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            EventStream during = subscribe(hw, seen.id());
            CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            int events = 2 * epochs.size(); // interrupt and interrupt-result for each
            EventStream afterwards = subscribe(hw, seen.id());
            afterwards.awaitEvents(events);
            during.awaitEvents(events);

            assertThat(afterwards.events()).hasSize(events);
            assertThat(during.events())
                    .as("opened halfway through the burst: replayed, then live")
                    .isEqualTo(afterwards.events());
            assertWellFormed(during);
            assertWellFormed(afterwards);
        }

        @Test
        void resumingWithTheLatestIdReplaysNothing() throws Exception {
            String hw = unique("events-uptodate");
            EventStream control = subscribe(hw, null);
            control.awaitConnected();
            api.interrupt(hw, "once", null);
            SseEvent last = control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));

            EventStream resumed = subscribe(hw, last.id());
            resumed.awaitConnected();
            api.interrupt(hw, "twice", null);
            resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("twice"));
            assertThat(resumed.events()).extracting(SseEvent::name).containsExactly("interrupt", "interrupt-result");
            assertThat(resumed.events()).isEqualTo(after(control.events(), Long.parseLong(last.id())));
        }

        @Test
        void anIdleStreamGetsHeartbeatComments() throws Exception {
            EventStream stream = subscribe(unique("events-idle"), null);
            stream.awaitConnected();
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> stream.comments().stream()
                                    .filter("heartbeat"::equals)
                                    .count()
                            >= 3);
            assertThat(stream.events())
                    .as("nothing but comments on an idle stream")
                    .isEmpty();
            assertThat(stream.comments()).as("comments so far").first().isEqualTo("connected");
            assertThat(stream.comments())
                    .as("heartbeats, each followed by the empty comment that finds a vanished client")
                    .allMatch(c -> c.equals("connected") || c.equals("heartbeat") || c.isEmpty());
            assertThat(stream.ended()).as("the stream is still open").isFalse();
        }

        @Test
        void badHardwareIdAndLastEventIdAreRefusedWith400() throws Exception {
            int before = hub.openStreams();
            for (String bad : List.of("bad%20id", ".leading-dot", "a".repeat(129))) {
                EventStream refused = subscribe(bad, null);
                JsonNode problem = assertProblem(refused.reply(), 400, "Bad Request", "/interrupts/events");
                assertThat(problem.get("detail").stringValue())
                        .as("detail for %s", bad)
                        .contains("hardwareId");
            }
            for (String bad : List.of("abc", "-1", "1.5")) {
                EventStream refused = subscribe(unique("events-bad"), bad);
                JsonNode problem = assertProblem(refused.reply(), 400, "Bad Request", "/interrupts/events");
                assertThat(problem.get("detail").stringValue())
                        .as("detail for %s", bad)
                        .contains("Last-Event-ID");
            }
            assertThat(hub.openStreams()).as("refused requests hold no stream").isEqualTo(before);
        }
    }

    // ---- a small buffer: resuming from what it no longer holds ---------------------------------------------------

    @Nested
    @TestPropertySource(properties = "interrupt.events.buffer-size=4")
    class SmallBuffer extends StreamTests {

        @Test
        void resumingFromAnIdTheBufferNoLongerHoldsGetsAGapFirst() throws Exception {
            String hw = unique("events-gap");
            String other = unique("events-gap-other");
            EventStream control = subscribe(null, null);
            EventStream leaving = subscribe(hw, null);
            control.awaitConnected();
            leaving.awaitConnected();

            api.interrupt(hw, "first", null);
            SseEvent seen = leaving.awaitEvents(1).get(0);
            leaving.close();

            api.interrupt(hw, "away-1", null);
            api.interrupt(hw, "away-2", null);
            api.interrupt(other, "noise", null);
            api.interrupt(hw, "away-3", null);
            control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("away-3"));
            List<SseEvent> buffered = lastN(control.events(), 4);
            assertThat(Long.parseLong(buffered.get(0).id()))
                    .as("the buffer has moved past the client's id")
                    .isGreaterThan(Long.parseLong(seen.id()) + 1);
            List<SseEvent> expected =
                    buffered.stream().filter(e -> hw.equals(e.hardwareId())).toList();
            assertThat(expected).extracting(SseEvent::name).containsExactly("interrupt", "interrupt-result");

            EventStream resumed = subscribe(hw, seen.id());
            List<SseEvent> got = resumed.awaitEvents(1 + expected.size());
            SseEvent gap = got.get(0);
            assertThat(gap.name()).as("first event after resuming too late").isEqualTo(InterruptEventHub.GAP);
            assertThat(gap.id())
                    .as("a gap carries no id, so Last-Event-ID stays that of a real event")
                    .isNull();
            assertThat(gap.json().get("nextId").longValue())
                    .as("the oldest id still held")
                    .isEqualTo(Long.parseLong(buffered.get(0).id()));
            assertThat(got.subList(1, got.size()))
                    .as("then what the buffer still holds of %s", hw)
                    .isEqualTo(expected);

            api.interrupt(hw, "live", null);
            resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("live"));
            assertThat(resumed.events())
                    .as("gap, buffered, then live, each once")
                    .hasSize(1 + expected.size() + 2);
            assertWellFormed(resumed);
        }

        @Test
        void resumingWithAnIdFromTheFutureGetsAGapThenTheBufferedEvents() throws Exception {
            String hw = unique("events-future");
            String other = unique("events-future-other");
            EventStream control = subscribe(null, null);
            control.awaitConnected();
            api.interrupt(hw, "one", null);
            api.interrupt(other, "noise", null);
            api.interrupt(hw, "two", null);
            control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("two"));
            List<SseEvent> buffered = lastN(control.events(), 4);
            List<SseEvent> expected =
                    buffered.stream().filter(e -> hw.equals(e.hardwareId())).toList();
            assertThat(expected).isNotEmpty();

            // An id of an earlier run of the service (before a restart), higher than anything sent since.
            EventStream resumed = subscribe(hw, "999999");
            List<SseEvent> got = resumed.awaitEvents(1 + expected.size());
            assertThat(got.get(0).name())
                    .as("first event after resuming from a restart")
                    .isEqualTo(InterruptEventHub.GAP);
            assertThat(got.get(0).id()).isNull();
            assertThat(got.get(0).json().get("nextId").longValue())
                    .isEqualTo(Long.parseLong(buffered.get(0).id()));
            assertThat(got.subList(1, got.size()))
                    .as("then every buffered event of %s", hw)
                    .isEqualTo(expected);

            api.interrupt(hw, "three", null);
            resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("three"));
            control.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw)
                    && e.json().get("reason").stringValue().equals("three"));
            List<SseEvent> live = control.events().stream()
                    .filter(e -> hw.equals(e.hardwareId()))
                    .filter(e -> Long.parseLong(e.id())
                            > Long.parseLong(expected.get(expected.size() - 1).id()))
                    .toList();
            assertThat(resumed.events()
                            .subList(1 + expected.size(), resumed.events().size()))
                    .as("then live events")
                    .isEqualTo(live)
                    .hasSize(2);
            assertWellFormed(resumed);
        }
    }

    // ---- the stream cap ----------------------------------------------------------------------------------------

    @Nested
    @TestPropertySource(properties = "interrupt.events.max-streams=3")
    class StreamCap extends StreamTests {

        @Test
        void theStreamBeyondMaxStreamsIsRefusedWith503UntilOneCloses() throws Exception {
            List<EventStream> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                EventStream stream = subscribe(i == 0 ? null : unique("events-cap"), null);
                assertThat(stream.status()).as("stream %s of 3", i + 1).isEqualTo(200);
                stream.awaitConnected();
                open.add(stream);
            }

            EventStream refused = subscribe(unique("events-cap"), null);
            JsonNode problem = assertProblem(refused.reply(), 503, "Service Unavailable", "/interrupts/events");
            assertThat(problem.get("detail").stringValue())
                    .contains("interrupt.events.max-streams")
                    .contains("3");
            assertThat(hub.openStreams()).isEqualTo(3);

            open.get(1).close();
            EventStream[] accepted = new EventStream[1];
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
                EventStream attempt = subscribe(unique("events-cap"), null);
                if (attempt.status() == 200) {
                    accepted[0] = attempt;
                    return true;
                }
                assertProblem(attempt.reply(), 503, "Service Unavailable", "/interrupts/events");
                return false;
            });
            accepted[0].awaitConnected();
            assertThat(open.get(0).ended()).as("the other streams stay open").isFalse();
            assertThat(open.get(2).ended()).isFalse();
            assertThat(hub.openStreams()).isEqualTo(3);
        }
    }

    // ---- stream timeout ------------------------------------------------------------------------------------------

    /**
     * The timeout is short so its end is seen soon, but long enough for the interrupt sent after connecting to reach
     * the stream before it on a loaded machine (at 1 s, with load averages of 25 on two cores, it sometimes did not).
     */
    @Nested
    @TestPropertySource(properties = "interrupt.events.stream-timeout=4s")
    class StreamTimeout extends StreamTests {

        @Test
        void aStreamEndsCleanlyAfterStreamTimeoutAndTheClientResumesWhereItWas() throws Exception {
            String hw = unique("events-timeout");
            EventStream stream = subscribe(hw, null);
            stream.awaitConnected();
            api.interrupt(hw, "before-timeout", null);
            SseEvent last = stream.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));

            assertThat(stream.awaitEnd(Duration.ofSeconds(15)))
                    .as("the server ends the stream after 4 s")
                    .isTrue();
            assertThat(stream.closedByClient()).isFalse();
            assertThat(stream.failure()).as("ended normally: %s", stream).isNull();
            await().atMost(PATIENCE).until(() -> hub.openStreams() == 0);

            api.interrupt(hw, "while-reconnecting", null);
            EventStream resumed = subscribe(hw, last.id());
            resumed.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));
            assertThat(resumed.events()).extracting(SseEvent::name).containsExactly("interrupt", "interrupt-result");
            assertThat(resumed.events())
                    .allSatisfy(e ->
                            assertThat(e.json().get("reason").stringValue()).isEqualTo("while-reconnecting"));
        }
    }

    // ---- a client that stops reading ----------------------------------------------------------------------------

    @Nested
    @TestPropertySource(properties = "interrupt.log-interrupts=false")
    class StalledClient extends StreamTests {

        @Autowired
        InterruptManager manager;

        /**
         * A worker whose process hangs (or a proxy that stops reading) keeps its connection open but reads
         * nothing. Once the socket buffers between it and the server are full, writes to it block; that must not
         * hold up the events of every other subscriber.
         */
        @Test
        void aClientThatStopsReadingDoesNotDelayOtherSubscribers() throws Exception {
            String hw = unique("events-healthy");
            EventStream healthy = subscribe(hw, null);
            healthy.awaitConnected();
            try (Socket stalled = new Socket()) {
                stalled.setReceiveBufferSize(1024);
                stalled.connect(new InetSocketAddress("localhost", port), 5_000);
                stalled.getOutputStream()
                        .write(("GET /interrupts/events HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Accept: text/event-stream\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                stalled.getOutputStream().flush();
                await().atMost(PATIENCE).until(() -> hub.openStreams() == 2);

                // About 20 MB of events for every device, far more than the socket buffers hold.
                String reason = "r".repeat(250);
                for (int i = 0; i < 20_000; i++) {
                    manager.interrupt(unique("events-noise"), reason, null);
                }
                api.interrupt(hw, "urgent", null);

                long start = System.nanoTime();
                await("the healthy subscriber's interrupt event")
                        .atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> healthy.events().stream().anyMatch(e -> e.is(InterruptEventHub.INTERRUPT, hw)));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            }
        }
    }

    // ---- what every nested class shares -------------------------------------------------------------------------

    /** The server's port and hub, a small API client, and every stream a test opens, closed after it. */
    abstract class StreamTests {

        @LocalServerPort
        int port;

        @Autowired
        InterruptEventHub hub;

        Api api;

        private final List<EventStream> streams = new ArrayList<>();

        EventStream subscribe(String hardwareId, String lastEventId) throws Exception {
            EventStream stream = EventStream.open(port, hardwareId, lastEventId);
            streams.add(stream);
            return stream;
        }

        @BeforeEach
        void api() {
            api = new Api(port);
        }

        @AfterEach
        void closeStreams() {
            streams.forEach(EventStream::close);
            await("the server lets go of closed streams")
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> hub.openStreams() == 0);
        }
    }

    static List<SseEvent> after(List<SseEvent> events, long id) {
        return events.stream()
                .filter(e -> e.id() != null && Long.parseLong(e.id()) > id)
                .toList();
    }

    static List<SseEvent> lastN(List<SseEvent> events, int n) {
        return events.subList(Math.max(0, events.size() - n), events.size());
    }

    static void assertSession(SseEvent event, String sessionId, String hardwareId, String state) {
        assertThat(event.name()).isEqualTo(InterruptEventHub.SESSION);
        JsonNode body = event.json();
        assertThat(body.get("sessionId").stringValue())
                .as("sessionId of %s", event)
                .isEqualTo(sessionId);
        assertThat(body.get("hardwareId").stringValue())
                .as("hardwareId of %s", event)
                .isEqualTo(hardwareId);
        assertThat(body.get("state").stringValue()).as("state of %s", event).isEqualTo(state);
    }

    /** Every event but a gap has a numeric id; ids only go up, so none is sent twice. */
    static void assertWellFormed(EventStream stream) {
        long previous = -1;
        for (SseEvent event : stream.events()) {
            assertThat(event.name())
                    .as("event name of %s", event)
                    .isIn(
                            InterruptEventHub.INTERRUPT,
                            InterruptEventHub.INTERRUPT_RESULT,
                            InterruptEventHub.SESSION,
                            InterruptEventHub.GAP);
            if (event.name().equals(InterruptEventHub.GAP)) {
                assertThat(event.id()).as("a gap has no id: %s", event).isNull();
                continue;
            }
            assertThat(event.id()).as("id of %s", event).isNotNull().matches("[0-9]+");
            long id = Long.parseLong(event.id());
            assertThat(id)
                    .as("ids strictly increase: %s after %s", event, previous)
                    .isGreaterThan(previous);
            previous = id;
        }
    }

    // ---- a small HTTP API and SSE client on the JDK client --------------------------------------------------------

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    static ApiHttp.Reply toReply(HttpResponse<?> response, String body) {
        HttpHeaders headers = new HttpHeaders();
        response.headers().map().forEach(headers::addAll);
        return new ApiHttp.Reply(response.statusCode(), headers, body);
    }

    /** The calls the tests make to cause events. */
    record Api(int port) {

        ApiHttp.Reply send(String method, String path, String json) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(PATIENCE)
                    .header("Accept", "application/json, application/problem+json");
            if (json == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json));
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return toReply(response, response.body());
        }

        JsonNode interrupt(String hardwareId, String reason, String source) throws Exception {
            String body = "{\"reason\": \"" + reason + "\"" + (source == null ? "" : ", \"source\": \"" + source + "\"")
                    + "}";
            JsonNode result = assertJson(send("POST", "/interrupt/" + hardwareId, body), 200);
            assertThat(result.get("hardwareId").stringValue()).isEqualTo(hardwareId);
            return result;
        }

        String openSession(String hardwareId) throws Exception {
            return assertJson(send("POST", "/sessions", "{\"hardwareId\": \"" + hardwareId + "\"}"), 201)
                    .get("sessionId")
                    .stringValue();
        }

        void endSession(String sessionId) throws Exception {
            assertThat(send("DELETE", "/sessions/" + sessionId, null).status()).isEqualTo(204);
        }
    }

    /** One Server-Sent Event: its {@code id:} (null when it has none), {@code event:} name and {@code data:}. */
    record SseEvent(String id, String name, String data) {

        JsonNode json() {
            return JSON.readTree(data);
        }

        String hardwareId() {
            JsonNode hw = json().get("hardwareId");
            return hw == null ? null : hw.stringValue();
        }

        boolean is(String eventName, String hardwareId) {
            return name.equals(eventName) && hardwareId.equals(hardwareId());
        }
    }

    /** A comment line, {@code :text}. */
    record Comment(String text) {}

    /**
     * One {@code GET /interrupts/events} request. A 200 is read line by line on its own thread into
     * {@link #items()}; any other status is read whole into {@link #reply()}.
     */
    static final class EventStream implements AutoCloseable {

        private final HttpResponse<Stream<String>> response;
        private final ApiHttp.Reply refusal;
        private final List<Object> items = Collections.synchronizedList(new ArrayList<>());
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean closedByClient;
        private volatile boolean ended;
        private volatile Throwable failure;

        private EventStream(HttpResponse<Stream<String>> response, ApiHttp.Reply refusal) {
            this.response = response;
            this.refusal = refusal;
        }

        /** Opens a stream; {@code hardwareId} goes into the query as given (so it may be pre-encoded). */
        static EventStream open(int port, String hardwareId, String lastEventId) throws Exception {
            String query = hardwareId == null ? "" : "?hardwareId=" + hardwareId;
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/interrupts/events" + query))
                    .header("Accept", MediaType.TEXT_EVENT_STREAM_VALUE)
                    .GET();
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            // A client of its own per stream: a pooled connection that the server closed after an earlier
            // answer would make this open fail with no bytes, through no fault of the server.
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(PATIENCE)
                    .build();
            HttpResponse<Stream<String>> response = client.sendAsync(
                            request.build(), HttpResponse.BodyHandlers.ofLines())
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (response.statusCode() != 200) {
                String body = CompletableFuture.supplyAsync(() -> {
                            try (Stream<String> lines = response.body()) {
                                return lines.collect(Collectors.joining("\n"));
                            }
                        })
                        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                EventStream refused = new EventStream(response, toReply(response, body));
                refused.ended = true;
                refused.done.countDown();
                return refused;
            }
            EventStream stream = new EventStream(response, null);
            Thread reader = new Thread(stream::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
            return stream;
        }

        private void read() {
            String[] id = {null};
            String[] name = {null};
            StringBuilder[] data = {null};
            try (Stream<String> lines = response.body()) {
                lines.forEach(line -> {
                    if (line.isEmpty()) {
                        if (data[0] != null || id[0] != null || name[0] != null) {
                            items.add(new SseEvent(
                                    id[0],
                                    name[0] == null ? "message" : name[0],
                                    data[0] == null ? "" : data[0].toString()));
                        }
                        id[0] = null;
                        name[0] = null;
                        data[0] = null;
                    } else if (line.startsWith(":")) {
                        items.add(new Comment(value(line.substring(1))));
                    } else {
                        int colon = line.indexOf(':');
                        String field = colon < 0 ? line : line.substring(0, colon);
                        String value = colon < 0 ? "" : value(line.substring(colon + 1));
                        switch (field) {
                            case "id" -> id[0] = value;
                            case "event" -> name[0] = value;
                            case "data" ->
                                data[0] = data[0] == null
                                        ? new StringBuilder(value)
                                        : data[0].append('\n').append(value);
                            default -> items.add(new Comment("unknown field: " + line));
                        }
                    }
                });
            } catch (UncheckedIOException | IllegalStateException e) {
                failure = e;
            } finally {
                ended = true;
                done.countDown();
            }
        }

        private static String value(String raw) {
            return raw.startsWith(" ") ? raw.substring(1) : raw;
        }

        int status() {
            return response.statusCode();
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse(null);
        }

        /** The answer of a refused request (status, headers, body). */
        ApiHttp.Reply reply() {
            assertThat(refusal)
                    .as("the request was refused, status %s", response.statusCode())
                    .isNotNull();
            return refusal;
        }

        List<Object> items() {
            synchronized (items) {
                return List.copyOf(items);
            }
        }

        List<SseEvent> events() {
            return items().stream()
                    .filter(SseEvent.class::isInstance)
                    .map(SseEvent.class::cast)
                    .toList();
        }

        List<String> comments() {
            return items().stream()
                    .filter(Comment.class::isInstance)
                    .map(c -> ((Comment) c).text())
                    .toList();
        }

        void awaitConnected() {
            assertThat(status()).as("status of the stream").isEqualTo(200);
            await(":connected comment")
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> comments().contains("connected") || ended);
            assertThat(comments()).as("comments of the stream").contains("connected");
        }

        SseEvent awaitEvent(Predicate<SseEvent> wanted) {
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> events().stream().anyMatch(wanted) || ended);
            return events().stream()
                    .filter(wanted)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no such event before the stream ended: " + items()));
        }

        List<SseEvent> awaitEvents(int count) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> events().size() >= count || ended);
            List<SseEvent> events = events();
            assertThat(events).as("events on the stream").hasSizeGreaterThanOrEqualTo(count);
            return events;
        }

        /** Waits at most {@code timeout} for the server to end the stream; true if it did. */
        boolean awaitEnd(Duration timeout) throws InterruptedException {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        boolean ended() {
            return ended;
        }

        /** Null when the stream ended normally (the server completed it), else why reading stopped. */
        Throwable failure() {
            return failure;
        }

        boolean closedByClient() {
            return closedByClient;
        }

        /** Cancels the body: the JDK client drops the connection, which the server notices on its next write. */
        @Override
        public void close() {
            closedByClient = true;
            response.body().close();
            try {
                done.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return response.uri() + " " + response.statusCode() + " " + items();
        }
    }
}
