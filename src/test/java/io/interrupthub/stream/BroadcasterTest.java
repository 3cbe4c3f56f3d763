package io.interrupthub.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The broadcaster alone: cap, outbox limit, one writer per stream, ends carried out once, under contention. */
class BroadcasterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ExecutorService writers = Executors.newFixedThreadPool(4);
    private final ExecutorService callers = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        writers.shutdownNow();
        callers.shutdownNow();
    }

    /** A sink that records what it is given and counts calls that overlap, which must never happen. */
    static final class RecordingSink implements Broadcaster.Sink<String> {
        final List<String> written = new CopyOnWriteArrayList<>();
        final List<Broadcaster.End> closes = new CopyOnWriteArrayList<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        volatile boolean ready = true;
        volatile String failOn;

        private void enter() {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            Thread.onSpinWait();
        }

        @Override
        public void write(String frame) throws Exception {
            enter();
            try {
                if (frame.equals(failOn)) {
                    throw new java.io.IOException("connection reset");
                }
                written.add(frame);
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public void close(Broadcaster.End end) {
            enter();
            closes.add(end);
            inside.decrementAndGet();
        }
    }

    /** Runs {@code task(i)} for i in [0, count) on the caller threads, all released at once. */
    private void atOnce(int count, java.util.function.IntConsumer task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            done.add(CompletableFuture.runAsync(
                    () -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        task.accept(index);
                    },
                    callers));
        }
        go.countDown();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    @Test
    void nothingIsWrittenBeforeTheOpenerStartsTheStreamThenTheFirstFrameComesFirst() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 100, writers);
        RecordingSink sink = new RecordingSink();
        Broadcaster.Stream<String, String> stream = broadcaster.open("a", sink, "greeting");
        stream.offer("one");
        stream.offer("two");

        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> sink.written.isEmpty());
        stream.start();

        await().atMost(WAIT).until(() -> sink.written.size() == 3);
        assertThat(sink.written).containsExactly("greeting", "one", "two");
    }

    @Test
    void anEndDecidedBeforeTheStartIsCarriedOutByTheWriterAfterTheStart() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 100, writers);
        RecordingSink sink = new RecordingSink();
        Broadcaster.Stream<String, String> stream = broadcaster.open("a", sink, "greeting");
        stream.end(Broadcaster.End.CLOSED);
        assertThat(broadcaster.openStreams()).as("the slot is free at once").isZero();
        assertThat(sink.closes)
                .as("not closed while the opener still holds the connection")
                .isEmpty();

        stream.start();

        await().atMost(WAIT).until(() -> sink.closes.size() == 1);
        assertThat(sink.closes).containsExactly(Broadcaster.End.CLOSED);
        assertThat(sink.written).as("what waited is dropped").isEmpty();
    }

    @Test
    void onePastTheOutboxLimitEndsTheStreamWithOverflowDropsWhatWaitedAndFreesTheSlot() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 3, writers);
        RecordingSink slow = new RecordingSink();
        slow.ready = false;
        Broadcaster.Stream<String, String> stream = broadcaster.open("slow", slow, null);
        stream.start();
        for (int i = 0; i < 3; i++) {
            assertThat(stream.offer("f" + i)).isTrue();
        }
        assertThat(broadcaster.overflows()).isZero();

        assertThat(stream.offer("f3")).as("one past the limit").isFalse();

        await().atMost(WAIT).until(() -> slow.closes.size() == 1);
        assertThat(slow.closes).containsExactly(Broadcaster.End.OVERFLOW);
        assertThat(slow.written).isEmpty();
        assertThat(broadcaster.overflows()).isEqualTo(1);
        assertThat(broadcaster.openStreams()).isZero();
        assertThat(stream.offer("late")).as("an ended stream takes nothing").isFalse();
    }

    @Test
    void aFailedWriteEndsTheStreamAsGoneAndNothingIsWrittenAfterIt() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 100, writers);
        RecordingSink sink = new RecordingSink();
        sink.failOn = "b";
        Broadcaster.Stream<String, String> stream = broadcaster.open("a", sink, null);
        stream.start();
        stream.offer("a");
        stream.offer("b");
        stream.offer("c");

        await().atMost(WAIT).until(() -> sink.closes.size() == 1);
        assertThat(sink.closes).containsExactly(Broadcaster.End.GONE);
        assertThat(sink.written).containsExactly("a");
        assertThat(broadcaster.openStreams()).isZero();
    }

    @Test
    void aStreamThatIsNotReadyWaitsAndResumeWritesWhatWaitedInOrder() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 100, writers);
        RecordingSink sink = new RecordingSink();
        sink.ready = false;
        Broadcaster.Stream<String, String> stream = broadcaster.open("a", sink, "greeting");
        stream.start();
        stream.offer("one");
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> sink.written.isEmpty());

        sink.ready = true;
        stream.resume();

        await().atMost(WAIT).until(() -> sink.written.size() == 2);
        assertThat(sink.written).containsExactly("greeting", "one");
    }

    /** Many publishers at once: one writer per stream, nothing lost, each publisher's frames in its order. */
    @Test
    void publishersOnManyThreadsNeverOverlapWritesToOneStreamAndLoseNothing() throws Exception {
        int publishers = 8;
        int perPublisher = 2_000;
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, publishers * perPublisher, writers);
        List<RecordingSink> sinks = List.of(new RecordingSink(), new RecordingSink(), new RecordingSink());
        for (RecordingSink sink : sinks) {
            broadcaster.open("s", sink, null).start();
        }

        atOnce(publishers, p -> {
            for (int i = 0; i < perPublisher; i++) {
                for (Broadcaster.Stream<String, String> stream : broadcaster.streams()) {
                    stream.offer(p + ":" + i);
                }
                if (i % 100 == 0) { // flow control coming and going under the writers
                    RecordingSink first = sinks.get(0);
                    first.ready = !first.ready;
                    broadcaster.streams().forEach(Broadcaster.Stream::resume);
                }
            }
        });
        sinks.get(0).ready = true;
        broadcaster.streams().forEach(Broadcaster.Stream::resume);

        for (RecordingSink sink : sinks) {
            await().atMost(WAIT).until(() -> sink.written.size() == publishers * perPublisher);
            assertThat(sink.overlaps).as("calls on one sink never overlap").hasValue(0);
            assertThat(sink.closes).isEmpty();
            Map<String, Integer> last = new HashMap<>();
            for (String frame : sink.written) {
                String[] parts = frame.split(":");
                int previous = last.getOrDefault(parts[0], -1);
                assertThat(Integer.parseInt(parts[1]))
                        .as("frames of publisher %s in order", parts[0])
                        .isEqualTo(previous + 1);
                last.put(parts[0], previous + 1);
            }
        }
        assertThat(broadcaster.overflows()).isZero();
    }

    @Test
    void theCapHoldsWhenManyOpenAtOnceAndEndedStreamsFreeTheirSlots() throws Exception {
        int cap = 50;
        Broadcaster<Integer, String> broadcaster = new Broadcaster<>(cap, 10, writers);
        List<Broadcaster.Stream<Integer, String>> opened = new CopyOnWriteArrayList<>();
        AtomicInteger refused = new AtomicInteger();

        atOnce(400, i -> {
            try {
                Broadcaster.Stream<Integer, String> stream = broadcaster.open(i, new RecordingSink(), null);
                stream.start();
                opened.add(stream);
            } catch (Broadcaster.Refused full) {
                assertThat(full.full()).isTrue();
                refused.incrementAndGet();
            }
        });

        assertThat(opened).hasSize(cap);
        assertThat(refused).hasValue(400 - cap);
        assertThat(broadcaster.openStreams()).isEqualTo(cap);

        // Ending and opening at once: the count never passes the cap and ends where it should.
        atOnce(cap * 2, i -> {
            if (i < cap) {
                opened.get(i).end(Broadcaster.End.CLOSED);
            } else {
                try {
                    broadcaster.open(i, new RecordingSink(), null).start();
                } catch (Broadcaster.Refused full) {
                    // a slot was not free yet
                }
            }
            assertThat(broadcaster.openStreams()).isLessThanOrEqualTo(cap);
        });
        int count = 0;
        for (Broadcaster.Stream<Integer, String> ignored : broadcaster.streams()) {
            count++;
        }
        assertThat(broadcaster.openStreams())
                .as("the count is the number of streams held")
                .isEqualTo(count);
    }

    /** Ends from several threads at once (a failed write, a timeout, shutdown) close the sink exactly once. */
    @Test
    void racingEndsCloseEachStreamExactlyOnceWithTheFirstReason() throws Exception {
        Broadcaster<Integer, String> broadcaster = new Broadcaster<>(1_000, 1_000, writers);
        List<RecordingSink> sinks = new ArrayList<>();
        List<Broadcaster.Stream<Integer, String>> streams = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            RecordingSink sink = new RecordingSink();
            sinks.add(sink);
            Broadcaster.Stream<Integer, String> stream = broadcaster.open(i, sink, "greeting");
            stream.start();
            streams.add(stream);
        }
        Broadcaster.End[] reasons = {Broadcaster.End.GONE, Broadcaster.End.CLOSED, Broadcaster.End.OVERFLOW};

        atOnce(8, t -> {
            for (Broadcaster.Stream<Integer, String> stream : streams) {
                stream.offer("frame-" + t);
                stream.end(reasons[t % reasons.length]);
            }
        });
        broadcaster.shutdown();

        await().atMost(WAIT).until(() -> sinks.stream().noneMatch(sink -> sink.closes.isEmpty()));
        await().during(Duration.ofMillis(200))
                .atMost(WAIT)
                .until(() -> sinks.stream().allMatch(sink -> sink.closes.size() == 1));
        assertThat(sinks).allSatisfy(sink -> {
            assertThat(sink.overlaps).hasValue(0);
            assertThat(sink.closes.get(0)).isNotEqualTo(Broadcaster.End.SHUTDOWN);
        });
        assertThat(broadcaster.openStreams()).isZero();
    }

    @Test
    void opensRacingShutdownAreEitherRefusedOrClosedNoneStaysOpen() throws Exception {
        Broadcaster<Integer, String> broadcaster = new Broadcaster<>(10_000, 10, writers);
        List<RecordingSink> accepted = new CopyOnWriteArrayList<>();

        atOnce(2_000, i -> {
            if (i == 1_000) {
                broadcaster.shutdown();
                return;
            }
            RecordingSink sink = new RecordingSink();
            try {
                broadcaster.open(i, sink, null).start();
                accepted.add(sink);
            } catch (Broadcaster.Refused refused) {
                assertThat(sink.closes).isEmpty();
            }
        });

        assertThatThrownBy(() -> broadcaster.open(-1, new RecordingSink(), null))
                .isInstanceOfSatisfying(
                        Broadcaster.Refused.class,
                        refused -> assertThat(refused.full()).isFalse());
        await().atMost(WAIT).until(() -> accepted.stream().noneMatch(sink -> sink.closes.isEmpty()));
        assertThat(accepted).allSatisfy(sink -> assertThat(sink.closes).containsExactly(Broadcaster.End.SHUTDOWN));
        assertThat(broadcaster.openStreams()).isZero();
    }

    // ---- streams by topic --------------------------------------------------------------------------------

    private static List<String> attachments(Iterable<Broadcaster.Stream<String, String>> streams) {
        List<String> found = new ArrayList<>();
        streams.forEach(stream -> found.add(stream.attachment()));
        return found;
    }

    @Test
    void aTopicFindsItsOwnStreamsAndThoseOfEveryTopicAndNoOthers() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 10, writers, a -> a.split("/")[0]);
        broadcaster.open("kitchen/1", new RecordingSink(), null).start();
        Broadcaster.Stream<String, String> kitchen2 = broadcaster.open("kitchen/2", new RecordingSink(), null);
        kitchen2.start();
        broadcaster.open("hall/1", new RecordingSink(), null).start();
        Broadcaster<String, String> everyTopic = new Broadcaster<>(10, 10, writers, a -> a.equals("all") ? null : a);
        everyTopic.open("all", new RecordingSink(), null).start();
        everyTopic.open("garage", new RecordingSink(), null).start();

        assertThat(attachments(broadcaster.streamsFor("kitchen"))).containsExactlyInAnyOrder("kitchen/1", "kitchen/2");
        assertThat(attachments(broadcaster.streamsFor("hall"))).containsExactly("hall/1");
        assertThat(attachments(broadcaster.streamsFor("garage"))).isEmpty();
        assertThat(attachments(everyTopic.streamsFor("garage"))).containsExactlyInAnyOrder("garage", "all");
        assertThat(attachments(everyTopic.streamsFor("kitchen"))).containsExactly("all");

        kitchen2.end(Broadcaster.End.GONE);
        assertThat(attachments(broadcaster.streamsFor("kitchen")))
                .as("an ended stream is found no more, at once")
                .containsExactly("kitchen/1");
        assertThat(attachments(new Broadcaster<String, String>(10, 10, writers).streamsFor("kitchen")))
                .as("without a topic index, nothing is open")
                .isEmpty();
    }

    @Test
    void withoutATopicIndexEveryStreamFollowsEveryTopic() {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(10, 10, writers);
        broadcaster.open("kitchen", new RecordingSink(), null).start();
        broadcaster.open("hall", new RecordingSink(), null).start();

        assertThat(attachments(broadcaster.streamsFor("kitchen"))).containsExactlyInAnyOrder("kitchen", "hall");
    }

    /** Nothing grows without bound: the index forgets a topic with its last stream, whatever the interleaving. */
    @Test
    void streamsOpenedAndEndedOnManyThreadsAtOnceLeaveNoTopicBehind() throws Exception {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(100_000, 10, writers, a -> a);
        List<Broadcaster.Stream<String, String>> opened = new CopyOnWriteArrayList<>();

        atOnce(4_000, i -> {
            Broadcaster.Stream<String, String> stream =
                    broadcaster.open("device-" + (i % 40), new RecordingSink(), "greeting");
            stream.start();
            opened.add(stream);
            if ((i / 40) % 2 == 0) {
                stream.end(Broadcaster.End.GONE); // streams of one topic open and end at once
            }
        });
        assertThat(broadcaster.topics()).isEqualTo(40);
        int indexed = 0;
        for (int t = 0; t < 40; t++) {
            indexed += attachments(broadcaster.streamsFor("device-" + t)).size();
        }
        assertThat(indexed).as("every open stream is found by its topic").isEqualTo(broadcaster.openStreams());

        atOnce(opened.size(), i -> opened.get(i).end(i % 2 == 0 ? Broadcaster.End.CLOSED : Broadcaster.End.GONE));

        assertThat(broadcaster.openStreams()).isZero();
        assertThat(broadcaster.topics()).as("topics left in the index").isZero();
    }

    /**
     * A publisher that finds a stream by its topic while the stream is still opening may overflow it; its slot
     * and its index entry are freed all the same.
     */
    @Test
    void aStreamOverflowedByAPublisherWhileItOpensLeavesNoSlotAndNoTopicBehind() throws Exception {
        Broadcaster<String, String> broadcaster = new Broadcaster<>(100_000, 1, writers, a -> a);
        AtomicBoolean opening = new AtomicBoolean(true);
        ExecutorService publishers = Executors.newFixedThreadPool(2);
        List<CompletableFuture<Void>> publishing = new ArrayList<>();
        List<Broadcaster.Stream<String, String>> opened = new CopyOnWriteArrayList<>();
        try {
            for (int p = 0; p < 2; p++) {
                publishing.add(CompletableFuture.runAsync(
                        () -> {
                            while (opening.get()) {
                                broadcaster.streamsFor("hot").forEach(stream -> stream.offer("event"));
                            }
                        },
                        publishers));
            }
            // Each stream's outbox holds its first frame already: any event offered to it overflows it.
            atOnce(20_000, i -> {
                Broadcaster.Stream<String, String> stream = broadcaster.open("hot", new RecordingSink(), "subscribed");
                stream.start();
                opened.add(stream);
            });
        } finally {
            opening.set(false);
            publishers.shutdown();
        }
        CompletableFuture.allOf(publishing.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        opened.forEach(stream -> stream.end(Broadcaster.End.CLOSED));

        assertThat(broadcaster.openStreams()).as("slots still taken").isZero();
        assertThat(broadcaster.topics()).as("topics left in the index").isZero();
        assertThat(attachments(broadcaster.streamsFor("hot"))).isEmpty();
    }
}
