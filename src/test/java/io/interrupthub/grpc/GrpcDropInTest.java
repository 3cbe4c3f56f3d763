package io.interrupthub.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.InterruptRequest;
import io.interrupthub.grpc.proto.InterruptResponse;
import io.interrupthub.grpc.proto.RecoveryResolved;
import io.interrupthub.grpc.proto.SpeechDecided;
import io.interrupthub.grpc.proto.SpeechRequest;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The service as a team replacing the seed runs it: REST on one port, gRPC on another (both random), one
 * {@link InterruptManager} behind both, and real gRPC clients over loopback.
 */
class GrpcDropInTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_WATCH_STREAMS = 4;
    private static final int WATCH_BUFFER = 1024;

    private static ConfigurableApplicationContext context;
    private static ManagedChannel channel;
    private static Rest rest;
    private static InterruptManager manager;
    private static InterruptWatchHub hub;
    private static StreamingServiceGrpc.StreamingServiceBlockingStub stub;

    @BeforeAll
    static void startTheService() {
        // Arguments, not builder properties: the service's packaged defaults rank above SpringApplication's.
        context = new SpringApplicationBuilder(InterruptHubApplication.class)
                .run(
                        "--server.port=0",
                        "--interrupt.grpc.enabled=true",
                        "--interrupt.grpc.port=0",
                        "--interrupt.grpc.max-watch-streams=" + MAX_WATCH_STREAMS,
                        "--interrupt.grpc.watch-buffer=" + WATCH_BUFFER,
                        "--interrupt.log-interrupts=false");
        int grpcPort = context.getBean(InterruptGrpcServer.class).port();
        assertThat(grpcPort)
                .as("a random port, not the default 50051")
                .isPositive()
                .isNotEqualTo(50051);
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", grpcPort, InsecureChannelCredentials.create())
                .build();
        rest = new Rest(Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
        manager = context.getBean(InterruptManager.class);
        hub = context.getBean(InterruptWatchHub.class);
        stub = StreamingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopTheService() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (context != null) {
            context.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static StreamingServiceGrpc.StreamingServiceBlockingStub stub() {
        return StreamingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    // ---- the seed's RPC -------------------------------------------------------------------------

    /**
     * A client built from the seed's streaming.proto, which knows InterruptRequest{hardware_id = 1} and
     * InterruptResponse{success = 1, interrupted_sessions = 2, message = 3} and nothing else: the bytes are
     * written and read here by field number, not with this project's generated classes.
     */
    @Test
    void aClientOfTheSeedsProtoInterruptsASessionOpenedOverRest() throws Exception {
        String hw = unique("seed-client");
        JsonNode session = rest.post("/sessions", "{\"hardwareId\": \"" + hw + "\"}", 201);
        String sessionId = session.get("sessionId").asString();

        SeedReply reply = SeedReply.parse(ClientCalls.blockingUnaryCall(
                channel, SEED_INTERRUPT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), seedRequest(hw)));

        assertThat(reply.success()).isTrue();
        assertThat(reply.interruptedSessions()).containsExactly(sessionId);
        assertThat(reply.message()).contains("interrupted 1 session of " + hw);
        JsonNode after = rest.get("/sessions/" + sessionId);
        assertThat(after.get("state").asString()).isEqualTo("INTERRUPTED");
        assertThat(rest.get("/interrupt/" + hw).get("interrupted").asBoolean())
                .as("the seed's flag")
                .isTrue();
    }

    @Test
    void interruptSessionAnswersWithTheEpochModulesAndTheSessionsItReached() {
        String hw = unique("grpc-interrupt");
        Session first = manager.openSession(hw);
        Session second = manager.openSession(hw);

        InterruptResponse response = stub().interruptSession(InterruptRequest.newBuilder()
                .setHardwareId(hw)
                .setReason("user_barge_in")
                .setSource("vad")
                .build());

        assertThat(first.isInterrupted())
                .as("the session handle the REST API and modules see")
                .isTrue();
        assertThat(second.isInterrupted()).isTrue();
        assertThat(response.getSuccess()).isTrue();
        assertThat(response.getHardwareId()).isEqualTo(hw);
        assertThat(response.getEpoch()).isEqualTo(1);
        assertThat(response.getSessionsInterrupted()).isEqualTo(2);
        assertThat(response.getInterruptedSessionsList())
                .containsExactlyInAnyOrder(first.sessionId(), second.sessionId());
        assertThat(response.getReason()).isEqualTo("user_barge_in");
        assertThat(response.getSource()).isEqualTo("vad");
        assertThat(response.getModulesList())
                .extracting(m -> m.getModule() + "=" + m.getOutcome())
                .contains("session_management=OK");
        assertThat(response.getStartedAt().getSeconds()).isPositive();
        assertThat(manager.history(hw, 10)).singleElement().satisfies(result -> {
            assertThat(result.epoch()).isEqualTo(1);
            assertThat(result.reason()).isEqualTo("user_barge_in");
        });

        InterruptResponse again = stub().interruptSession(
                        InterruptRequest.newBuilder().setHardwareId(hw).build());
        assertThat(again.getEpoch()).as("the next turn").isEqualTo(2);
        assertThat(again.getSessionsInterrupted()).as("already interrupted").isZero();
        assertThat(again.getReason()).as("no reason given").isEqualTo("unspecified");
    }

    @Test
    void theSeedsOtherRpcsAnswerUnimplemented() {
        MethodDescriptor<byte[], byte[]> streamAudio = SEED_INTERRUPT.toBuilder()
                .setFullMethodName("streaming.StreamingService/StreamAudio")
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                .build();
        StatusRuntimeException refused = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingServerStreamingCall(
                                channel,
                                streamAudio,
                                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                                new byte[0])
                        .hasNext());
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    // ---- bad input ------------------------------------------------------------------------------

    @Test
    void malformedIdsAndTextAreInvalidArgumentAndChangeNothing() throws InterruptedException {
        String good = unique("grpc-bad-input");
        List<InterruptRequest> bad = new ArrayList<>();
        for (String id : List.of(
                "",
                " ",
                "bad id",
                "../etc/passwd",
                "a/b",
                "-dash-first",
                "é",
                "x".repeat(129),
                "tab\tinside",
                "new\nline",
                "semi;colon",
                "%2e%2e")) {
            bad.add(InterruptRequest.newBuilder().setHardwareId(id).build());
        }
        bad.add(InterruptRequest.newBuilder()
                .setHardwareId(good)
                .setReason("line\nbreak")
                .build());
        bad.add(InterruptRequest.newBuilder()
                .setHardwareId(good)
                .setReason("r".repeat(257))
                .build());
        bad.add(InterruptRequest.newBuilder()
                .setHardwareId(good)
                .setSource("\u0000")
                .build());

        for (InterruptRequest request : bad) {
            StatusRuntimeException refused =
                    catchThrowableOfType(StatusRuntimeException.class, () -> stub().interruptSession(request));
            assertThat(refused).as("refused: %s", request).isNotNull();
            assertThat(refused.getStatus().getCode()).as("%s", request).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getDescription())
                    .as("says what is wrong")
                    .containsAnyOf("hardwareId must match", "reason must", "source must");
        }
        assertThat(manager.flagStatus(good).epoch()).as("no interrupt happened").isZero();

        for (String id : List.of(" ", "bad id", "x".repeat(129))) {
            try (Watch watch = Watch.open(channel, id)) {
                Status end = awaitEnd(watch);
                assertThat(end.getCode()).as("watch %s", id).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(watch.drain()).as("no event before the refusal").isEmpty();
            }
        }
        assertThat(hub.openStreams()).as("refused watches hold no slot").isZero();
    }

    @Test
    void aRequestOverTheSizeLimitIsRefusedResourceExhausted() {
        String hw = unique("grpc-huge");
        StatusRuntimeException refused = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> stub().interruptSession(InterruptRequest.newBuilder()
                        .setHardwareId(hw)
                        .setReason("r".repeat(20_000))
                        .build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(manager.flagStatus(hw).epoch()).isZero();
    }

    // ---- watching -------------------------------------------------------------------------------

    @Test
    void aWatcherIsToldWhenAnInterruptOfItsDeviceStartsAndWhenItCompletes() throws Exception {
        String hw = unique("grpc-watch");
        stub().interruptSession(InterruptRequest.newBuilder().setHardwareId(hw).build()); // epoch 1, before watching
        JsonNode session = rest.post("/sessions", "{\"hardwareId\": \"" + hw + "\"}", 201);
        String sessionId = session.get("sessionId").asString();

        try (Watch watch = Watch.open(channel, hw)) {
            InterruptEvent subscribed = watch.next(WAIT);
            assertThat(subscribed.hasSubscribed()).isTrue();
            assertThat(subscribed.getSubscribed().getHardwareId()).isEqualTo(hw);
            assertThat(subscribed.getSubscribed().getEpoch())
                    .as("the epoch before this stream")
                    .isEqualTo(1);

            rest.post("/interrupt/" + hw, "{\"reason\": \"over-rest\", \"source\": \"button\"}", 200);

            InterruptEvent started = watch.next(WAIT);
            assertThat(started.hasStarted()).as("%s", started).isTrue();
            assertThat(started.getStarted().getHardwareId()).isEqualTo(hw);
            assertThat(started.getStarted().getEpoch()).isEqualTo(2);
            assertThat(started.getStarted().getReason()).isEqualTo("over-rest");
            assertThat(started.getStarted().getSource()).isEqualTo("button");
            assertThat(started.getStarted().getSessionIdsList()).containsExactly(sessionId);
            assertThat(started.getStarted().getAt().getSeconds()).isPositive();

            InterruptEvent completed = watch.next(WAIT);
            assertThat(completed.hasCompleted()).as("%s", completed).isTrue();
            assertThat(completed.getCompleted().getEpoch()).isEqualTo(2);
            assertThat(completed.getCompleted().getSuccess()).isTrue();
            assertThat(completed.getCompleted().getInterruptedSessionsList()).containsExactly(sessionId);
            assertThat(watch.end()).as("the stream stays open").isNull();
        }
    }

    // ---- speech and the turn after ------------------------------------------------------------

    private static SpeechRequest speech(String hardwareId, String transcript, long speechMs, boolean isFinal) {
        return SpeechRequest.newBuilder()
                .setHardwareId(hardwareId)
                .setTranscript(transcript)
                .setSpeechMs(speechMs)
                .setIsFinal(isFinal)
                .build();
    }

    @Test
    void aBackchannelIsIgnoredAndStopInterruptsAndAWatcherThatAskedSeesBothDecisionsAndTheRecoveryOfTheNextTurn()
            throws Exception {
        String hw = unique("grpc-speech");
        Session speaking = manager.openSession(hw);

        try (Watch watch = Watch.openWithSpeech(channel, hw);
                Watch older = Watch.open(channel, hw)) {
            assertThat(watch.next(WAIT).hasSubscribed()).isTrue();
            assertThat(older.next(WAIT).hasSubscribed()).isTrue();

            SpeechDecided ignored = stub().reportSpeech(speech(hw, "uh-huh", 300, true));
            assertThat(ignored.getDecision()).isEqualTo("IGNORED");
            assertThat(ignored.getRule()).isEqualTo("backchannel");
            assertThat(ignored.hasPause()).as("nothing paused").isFalse();
            assertThat(speaking.isInterrupted()).isFalse();

            SpeechDecided stop = stub().reportSpeech(speech(hw, "stop", 250, false));
            assertThat(stop.getDecision()).isEqualTo("INTERRUPTED");
            assertThat(stop.getRule()).isEqualTo("keyword");
            assertThat(stop.getPolicy()).isEqualTo("default");
            assertThat(stop.getEpoch()).isEqualTo(1);
            assertThat(stop.getWords()).isEqualTo(1);
            assertThat(stop.getSpeechMs()).isEqualTo(250);
            assertThat(stop.getAt().getSeconds()).isPositive();
            assertThat(speaking.isInterrupted()).as("at once").isTrue();

            InterruptEvent first = watch.nextMatching(InterruptEvent::hasSpeech, WAIT);
            assertThat(first.getSpeech().getDecision()).isEqualTo("IGNORED");
            assertThat(first.getSpeech().getRule()).isEqualTo("backchannel");
            assertThat(first.getSpeech().getIsFinal()).isTrue();
            InterruptEvent second = watch.nextMatching(InterruptEvent::hasSpeech, WAIT);
            assertThat(second.getSpeech()).as("the RPC's answer, pushed").isEqualTo(stop);
            assertThat(watch.seen())
                    .as("the interrupt the decision made is announced before the decision")
                    .anyMatch(e -> e.hasStarted() && e.getStarted().getEpoch() == 1);

            Session nextTurn = manager.openSession(hw);
            manager.reportDelivered(nextTurn.sessionId(), 12, 400);

            RecoveryResolved recovery =
                    watch.nextMatching(InterruptEvent::hasRecovery, WAIT).getRecovery();
            assertThat(recovery.getHardwareId()).isEqualTo(hw);
            assertThat(recovery.getEpoch()).isEqualTo(1);
            assertThat(recovery.getOutcome()).isEqualTo("RECOVERED");
            assertThat(recovery.getSessionId()).isEqualTo(nextTurn.sessionId());
            assertThat(recovery.getRecoveredMs()).isPositive();
            assertThat(recovery.getInterruptedAt().getSeconds()).isPositive();

            older.nextMatching(e -> e.hasCompleted() && e.getCompleted().getEpoch() == 1, WAIT);
            manager.interruptAndWait(hw, "a later one");
            older.nextMatching(e -> e.hasCompleted() && e.getCompleted().getEpoch() == 2, WAIT);
            assertThat(older.seen())
                    .as("a stream that did not ask gets the interrupt events it knew, and no speech or recovery")
                    .noneMatch(e -> e.hasSpeech() || e.hasRecovery())
                    .allMatch(e -> e.hasSubscribed() || e.hasStarted() || e.hasCompleted());
        }
    }

    @Test
    void reportSpeechRefusesBadInputWithInvalidArgumentAndDecidesNothing() {
        String hw = unique("grpc-speech-bad");
        Session speaking = manager.openSession(hw);
        for (SpeechRequest bad : List.of(
                speech("bad id!", "stop", 100, false),
                speech("", "stop", 100, false),
                speech(hw, "stop", -1, false),
                speech(hw, "stop", 600_001, false),
                speech(hw, "stop " + "x".repeat(2_000), 100, false))) {
            StatusRuntimeException refused =
                    catchThrowableOfType(StatusRuntimeException.class, () -> stub().reportSpeech(bad));
            assertThat(refused).as("%s", bad).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getDescription()).isNotBlank();
        }
        assertThat(speaking.isInterrupted()).isFalse();
        assertThat(manager.flagStatus(hw).epoch()).isZero();
    }

    @Test
    void anEmptyHardwareIdWatchesEveryDeviceWhileAnotherWatcherGetsOnlyItsOwn() throws Exception {
        String a = unique("grpc-all-a");
        String b = unique("grpc-all-b");
        try (Watch everything = Watch.open(channel, "");
                Watch onlyA = Watch.open(channel, a)) {
            assertThat(everything.next(WAIT).getSubscribed().getHardwareId()).isEmpty();
            assertThat(onlyA.next(WAIT).getSubscribed().getHardwareId()).isEqualTo(a);

            stub().interruptSession(
                            InterruptRequest.newBuilder().setHardwareId(b).build());
            stub().interruptSession(
                            InterruptRequest.newBuilder().setHardwareId(a).build());

            assertThat(everything.nextMatching(
                            e -> e.hasStarted()
                                    && e.getStarted().getHardwareId().equals(b),
                            WAIT))
                    .isNotNull();
            assertThat(everything.nextMatching(
                            e -> e.hasStarted()
                                    && e.getStarted().getHardwareId().equals(a),
                            WAIT))
                    .isNotNull();
            InterruptEvent first = onlyA.next(WAIT);
            assertThat(first.getStarted().getHardwareId())
                    .as("b's interrupt is not a's watcher's business")
                    .isEqualTo(a);
        }
    }

    @Test
    void watchStreamsAreCappedWithResourceExhaustedAndAFreedSlotIsReused() throws Exception {
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
        List<Watch> open = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_WATCH_STREAMS; i++) {
                Watch watch = Watch.open(channel, "");
                open.add(watch);
                assertThat(watch.next(WAIT).hasSubscribed()).isTrue();
            }
            try (Watch oneTooMany = Watch.open(channel, "")) {
                Status end = awaitEnd(oneTooMany);
                assertThat(end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(end.getDescription()).contains("interrupt.grpc.max-watch-streams");
            }

            open.remove(0).close();
            await().atMost(WAIT).until(() -> hub.openStreams() == MAX_WATCH_STREAMS - 1);
            Watch reused = Watch.open(channel, "");
            open.add(reused);
            assertThat(reused.next(WAIT).hasSubscribed())
                    .as("the freed slot serves a new watcher")
                    .isTrue();
        } finally {
            open.forEach(Watch::close);
        }
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
    }

    /**
     * A worker that stops reading: the server keeps at most {@value #WATCH_BUFFER} events for it beyond what
     * HTTP/2 flow control holds, then drops them and ends its stream with RESOURCE_EXHAUSTED. What it got until
     * then is every event in order, without a gap; a watcher of the same device that keeps reading misses nothing.
     */
    @Test
    void aWatcherThatStopsReadingIsEndedWithResourceExhaustedAndDelaysNobody() throws Exception {
        String hw = unique("grpc-slow");
        // A small HTTP/2 window, so the server soon holds back what the slow client does not read.
        ManagedChannel slowChannel = NettyChannelBuilder.forAddress(
                        "127.0.0.1", context.getBean(InterruptGrpcServer.class).port())
                .usePlaintext()
                .flowControlWindow(8 * 1024)
                .build();
        long overflowsBefore = hub.overflows();
        try (Watch slow = Watch.open(slowChannel, hw, false);
                Watch fast = Watch.open(channel, hw)) {
            assertThat(slow.next(WAIT).hasSubscribed()).isTrue();
            assertThat(fast.next(WAIT).hasSubscribed()).isTrue();

            long epoch = 0;
            while (hub.overflows() == overflowsBefore) {
                assertThat(epoch)
                        .as("the slow watcher is ended within a bounded number of interrupts")
                        .isLessThan(20_000);
                for (int i = 0; i < 100; i++) {
                    epoch = manager.interruptAndWait(hw, "talking over it").epoch();
                }
                long last = epoch;
                // The fast watcher keeps up, so only the slow one can overflow.
                fast.nextMatching(e -> e.hasCompleted() && e.getCompleted().getEpoch() == last, WAIT);
            }

            slow.readAll();
            Status end = awaitEnd(slow);
            assertThat(end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(end.getDescription()).contains("fell more than " + WATCH_BUFFER + " events behind");
            List<InterruptEvent> got = slow.drain();
            // What HTTP/2 had in flight reaches it; the events waiting in its buffer are dropped with the stream.
            assertThat(got.size())
                    .as("some events, not everything")
                    .isGreaterThan(1)
                    .isLessThan((int) (2 * epoch + 1));
            assertInOrderWithoutGaps(got.subList(1, got.size()), 1);
            assertThat(fast.end()).as("the fast watcher's stream is still open").isNull();
            assertInOrderWithoutGaps(fast.seen().subList(1, fast.seen().size()), 1);
            assertThat(fast.seen()).hasSize((int) (2 * epoch + 1));
            await().atMost(WAIT).until(() -> hub.openStreams() == 1);
        } finally {
            slowChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Started then completed for each epoch in turn, from {@code firstEpoch}, as one device's interrupts run. */
    private static void assertInOrderWithoutGaps(List<InterruptEvent> events, long firstEpoch) {
        long epoch = firstEpoch;
        for (int i = 0; i < events.size(); i++) {
            InterruptEvent event = events.get(i);
            if (i % 2 == 0) {
                assertThat(event.hasStarted()).as("event %d: %s", i, event).isTrue();
                assertThat(event.getStarted().getEpoch()).as("event %d", i).isEqualTo(epoch);
            } else {
                assertThat(event.hasCompleted()).as("event %d: %s", i, event).isTrue();
                assertThat(event.getCompleted().getEpoch()).as("event %d", i).isEqualTo(epoch);
                epoch++;
            }
        }
    }

    /**
     * Many callers interrupt a few devices at once over gRPC while two watchers watch everything: each caller gets
     * an answer, and each watcher sees every epoch of every device exactly once, started before completed, in order.
     */
    @Test
    void concurrentInterruptSessionCallsReachEveryWatcherOncePerEpochInOrder() throws Exception {
        List<String> devices = List.of(unique("grpc-busy-1"), unique("grpc-busy-2"), unique("grpc-busy-3"));
        int threads = 6;
        int callsPerThread = 40;
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        ConcurrentLinkedQueue<InterruptResponse> answers = new ConcurrentLinkedQueue<>();
        try (Watch one = Watch.open(channel, "");
                Watch two = Watch.open(channel, "")) {
            assertThat(one.next(WAIT).hasSubscribed()).isTrue();
            assertThat(two.next(WAIT).hasSubscribed()).isTrue();
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                done.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                            for (int i = 0; i < callsPerThread; i++) {
                                String hw = devices.get((offset + i) % devices.size());
                                answers.add(stub().interruptSession(InterruptRequest.newBuilder()
                                        .setHardwareId(hw)
                                        .setReason("caller-" + offset)
                                        .build()));
                            }
                        },
                        callers));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertThat(answers)
                    .hasSize(threads * callsPerThread)
                    .allSatisfy(a -> assertThat(a.getSuccess()).isTrue());
            Map<String, Long> finalEpochs = new HashMap<>();
            for (String hw : devices) {
                finalEpochs.put(hw, manager.flagStatus(hw).epoch());
            }
            assertThat(answers)
                    .allSatisfy(a -> assertThat(a.getEpoch()).isBetween(1L, finalEpochs.get(a.getHardwareId())));
            for (Watch watch : List.of(one, two)) {
                for (String hw : devices) {
                    long last = finalEpochs.get(hw);
                    await().atMost(WAIT)
                            .until(() -> watch.drain().stream()
                                    .anyMatch(e -> e.hasCompleted()
                                            && e.getCompleted().getHardwareId().equals(hw)
                                            && e.getCompleted().getEpoch() == last));
                }
                for (String hw : devices) {
                    List<InterruptEvent> ofDevice = watch.drain().stream()
                            .filter(e -> hw.equals(
                                    e.hasStarted()
                                            ? e.getStarted().getHardwareId()
                                            : e.hasCompleted()
                                                    ? e.getCompleted().getHardwareId()
                                                    : null))
                            .toList();
                    assertThat(ofDevice).as("two events per epoch of %s", hw).hasSize((int) (2 * finalEpochs.get(hw)));
                    assertInOrderWithoutGaps(ofDevice, 1);
                }
                assertThat(watch.end()).isNull();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    // ---- health, reflection, metrics ------------------------------------------------------------

    @Test
    void theHealthServiceAnswersServingForTheServerAndTheInterruptService() {
        HealthGrpc.HealthBlockingStub health =
                HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder()
                                .setService("streaming.StreamingService")
                                .build())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        StatusRuntimeException unknown = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder()
                        .setService("no.such.Service")
                        .build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    /** What {@code grpcurl list} and {@code grpcurl describe} ask. */
    @Test
    void reflectionListsTheServicesAndDescribesTheInterruptService() throws Exception {
        List<ServerReflectionResponse> answers = reflect(List.of(
                ServerReflectionRequest.newBuilder().setListServices("*").build(),
                ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol("streaming.StreamingService")
                        .build()));

        assertThat(answers.get(0).getListServicesResponse().getServiceList())
                .extracting(ServiceResponse::getName)
                .contains("streaming.StreamingService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
        List<String> files = new ArrayList<>();
        for (com.google.protobuf.ByteString bytes :
                answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoList()) {
            files.add(com.google.protobuf.DescriptorProtos.FileDescriptorProto.parseFrom(bytes)
                    .getName());
        }
        assertThat(files).contains("streaming.proto");
    }

    private static List<ServerReflectionResponse> reflect(List<ServerReflectionRequest> requests) throws Exception {
        List<ServerReflectionResponse> answers = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        synchronized (answers) {
                            answers.add(response);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.forEach(out::onNext);
        out.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    @Test
    void everyRpcIsTimedByMethodAndStatusCodeInThePrometheusScrape() throws Exception {
        String method = "streaming.StreamingService/InterruptSession";
        double okBefore = count(method, "OK");
        double invalidBefore = count(method, "INVALID_ARGUMENT");

        stub().interruptSession(InterruptRequest.newBuilder()
                .setHardwareId(unique("grpc-metrics"))
                .build());
        catchThrowableOfType(
                StatusRuntimeException.class,
                () -> stub().interruptSession(InterruptRequest.newBuilder()
                        .setHardwareId("bad id")
                        .build()));
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

        assertThat(count(method, "OK")).isEqualTo(okBefore + 1);
        assertThat(count(method, "INVALID_ARGUMENT")).isEqualTo(invalidBefore + 1);
        assertThat(count("grpc.health.v1.Health/Check", "OK")).isPositive();
        String scrape = rest.text("/actuator/prometheus");
        assertThat(scrape)
                .contains(
                        "# HELP interrupt_grpc_requests_seconds gRPC calls by method and status code",
                        "# TYPE interrupt_grpc_requests_seconds histogram",
                        "# HELP interrupt_grpc_watch_streams ",
                        "# TYPE interrupt_grpc_watch_overflows_total counter");
    }

    private static final Pattern SAMPLE =
            Pattern.compile("^interrupt_grpc_requests_seconds_count\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);

    /** The scrape's count for one method and code; 0 before the first call. */
    private static double count(String method, String code) throws Exception {
        Matcher matcher = SAMPLE.matcher(rest.text("/actuator/prometheus"));
        while (matcher.find()) {
            String labels = matcher.group(1);
            if (labels.contains("method=\"" + method + "\"") && labels.contains("code=\"" + code + "\"")) {
                return Double.parseDouble(matcher.group(2));
            }
        }
        return 0;
    }

    // ---- the seed's wire format, by hand --------------------------------------------------------

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** The seed client's call: the method's full name is all a gRPC client sends besides the bytes. */
    static final MethodDescriptor<byte[], byte[]> SEED_INTERRUPT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("streaming.StreamingService/InterruptSession")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    static byte[] seedRequest(String hardwareId) throws IOException {
        byte[] bytes = new byte[CodedOutputStream.computeStringSize(1, hardwareId)];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeString(1, hardwareId);
        out.checkNoSpaceLeft();
        return bytes;
    }

    record SeedReply(boolean success, List<String> interruptedSessions, String message) {

        /** Reads the seed's three fields and skips the rest, as a client of the seed's schema does. */
        static SeedReply parse(byte[] bytes) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            boolean success = false;
            List<String> sessions = new ArrayList<>();
            String message = "";
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case (1 << 3) | WireFormat.WIRETYPE_VARINT -> success = in.readBool();
                    case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> sessions.add(in.readString());
                    case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> message = in.readString();
                    default -> in.skipField(tag);
                }
            }
            return new SeedReply(success, sessions, message);
        }
    }

    private static Status awaitEnd(Watch watch) throws InterruptedException {
        Status end = watch.awaitEnd(WAIT);
        assertThat(end).as("the stream ended within %s", WAIT).isNotNull();
        return end;
    }
}
