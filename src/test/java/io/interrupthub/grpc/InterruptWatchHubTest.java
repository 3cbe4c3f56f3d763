package io.interrupthub.grpc;

import java.time.Duration;
import java.time.Instant;
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
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.Pause;
import io.interrupthub.core.PauseOutcome;
import io.interrupthub.core.RecoveryOutcome;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SilenceState;
import io.interrupthub.core.SpeechDecision;
import io.interrupthub.core.SpeechOutcome;
import io.interrupthub.core.SpeechRule;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.Paused;
import io.interrupthub.grpc.proto.RecoveryResolved;
import io.interrupthub.grpc.proto.Resumed;
import io.interrupthub.grpc.proto.Silence;
import io.interrupthub.grpc.proto.SpeechDecided;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The watch streams' buffers, caps and single writer, against a call whose readiness the test controls. */
class InterruptWatchHubTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService writers = Threads.fixed("test-watch-", 2);

    @AfterEach
    void stopWriters() {
        writers.shutdownNow();
    }

    /** A server call as gRPC gives one to the handler: ready or not, and strict that calls on it never overlap. */
    static final class FakeCall extends ServerCallStreamObserver<InterruptEvent> {
        final List<InterruptEvent> written = new CopyOnWriteArrayList<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        volatile boolean ready = true;
        volatile boolean cancelled;
        volatile Status end;
        volatile Runnable onReady;
        volatile Runnable onCancel;

        void becomeReady() {
            ready = true;
            onReady.run();
        }

        void cancel() {
            cancelled = true;
            onCancel.run();
        }

        private void enter() {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            Thread.onSpinWait();
        }

        @Override
        public void onNext(InterruptEvent event) {
            enter();
            written.add(event);
            inside.decrementAndGet();
        }

        @Override
        public void onError(Throwable error) {
            enter();
            end = Status.fromThrowable(error);
            inside.decrementAndGet();
        }

        @Override
        public void onCompleted() {
            enter();
            end = Status.OK;
            inside.decrementAndGet();
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
            onCancel = handler;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public void setCompression(String compression) {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void disableAutoInboundFlowControl() {}
    }

    private static InterruptCause cause(String hardwareId, long epoch) {
        return new InterruptCause(hardwareId, epoch, "test", null, Instant.now());
    }

    private static void awaitWritten(FakeCall call, int count) {
        await().atMost(WAIT).until(() -> call.written.size() >= count);
    }

    private static List<Long> startedEpochs(FakeCall call) {
        return call.written.stream()
                .filter(InterruptEvent::hasStarted)
                .map(e -> e.getStarted().getEpoch())
                .toList();
    }

    @Test
    void eventsWaitWhileTheClientIsNotReadyAndFlowInOrderWhenItIs() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall call = new FakeCall();
        call.ready = false;
        hub.watch("dev-1", 0, call);
        for (long epoch = 1; epoch <= 3; epoch++) {
            hub.interruptStarted(cause("dev-1", epoch), List.of());
        }
        assertThat(call.written)
                .as("nothing is written to a client that is not ready")
                .isEmpty();

        call.becomeReady();

        await().atMost(WAIT).until(() -> call.written.size() == 4);
        assertThat(call.written.get(0).hasSubscribed())
                .as("subscribed comes first")
                .isTrue();
        assertThat(startedEpochs(call)).containsExactly(1L, 2L, 3L);
        assertThat(call.end).isNull();
    }

    @Test
    void onePastTheBufferEndsTheStreamWithResourceExhaustedDropsWhatWaitedAndFreesTheSlot() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 4, writers);
        FakeCall slow = new FakeCall();
        slow.ready = false;
        FakeCall other = new FakeCall();
        hub.watch("dev-1", 0, slow);
        hub.watch("dev-1", 0, other);
        for (long epoch = 1; epoch <= 3; epoch++) { // with subscribed: 4 waiting, the buffer is full
            hub.interruptStarted(cause("dev-1", epoch), List.of());
            awaitWritten(other, (int) epoch + 1); // the other one keeps up, so only the slow one can overflow
        }
        assertThat(hub.overflows()).isZero();

        hub.interruptStarted(cause("dev-1", 4), List.of());

        await().atMost(WAIT).until(() -> slow.end != null);
        assertThat(slow.end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(slow.written)
                .as("what waited is dropped, not written after the end")
                .isEmpty();
        assertThat(hub.overflows()).isEqualTo(1);
        assertThat(hub.openStreams()).as("its slot is free").isEqualTo(1);
        hub.interruptStarted(cause("dev-1", 5), List.of());
        await().atMost(WAIT).until(() -> startedEpochs(other).size() == 5);
        assertThat(startedEpochs(other)).as("the other watcher got everything").containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(slow.written).isEmpty();
    }

    @Test
    void aWatcherOfOneDeviceGetsNothingOfOthersAndAnEmptyFilterGetsAll() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall one = new FakeCall();
        FakeCall all = new FakeCall();
        hub.watch("dev-1", 7, one);
        hub.watch(null, 0, all);
        hub.interruptStarted(cause("dev-2", 1), List.of());
        hub.interruptStarted(cause("dev-1", 8), List.of("s-1"));

        await().atMost(WAIT).until(() -> one.written.size() == 2 && all.written.size() == 3);
        assertThat(one.written.get(0).getSubscribed().getEpoch()).isEqualTo(7);
        assertThat(one.written.get(1).getStarted().getHardwareId()).isEqualTo("dev-1");
        assertThat(one.written.get(1).getStarted().getSessionIdsList()).containsExactly("s-1");
        assertThat(all.written.subList(1, 3))
                .extracting(e -> e.getStarted().getHardwareId())
                .containsExactly("dev-2", "dev-1");
    }

    @Test
    void watchersOfTheDeviceGetItsSilenceConfirmedWithTheTimeOrMissedWithTheStuckSessions() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall one = new FakeCall();
        FakeCall other = new FakeCall();
        hub.watch("dev-1", 0, one);
        hub.watch("dev-2", 0, other);
        hub.silenceResolved(new SilenceReport("dev-1", 3, SilenceState.CONFIRMED, 412.5, List.of()));
        hub.silenceResolved(new SilenceReport("dev-1", 4, SilenceState.MISSED, null, List.of("s-stuck")));

        awaitWritten(one, 3);
        Silence confirmed = one.written.get(1).getSilence();
        assertThat(confirmed.getEpoch()).isEqualTo(3);
        assertThat(confirmed.getSilence()).isEqualTo("CONFIRMED");
        assertThat(confirmed.getTimeToSilenceMs()).isEqualTo(412.5);
        assertThat(confirmed.getPendingSessionsList()).isEmpty();
        Silence missed = one.written.get(2).getSilence();
        assertThat(missed.getSilence()).isEqualTo("MISSED");
        assertThat(missed.getPendingSessionsList()).containsExactly("s-stuck");
        assertThat(missed.getTimeToSilenceMs())
                .as("no time: it never went quiet")
                .isZero();
        awaitWritten(other, 1);
        assertThat(other.written).as("nothing of another device").noneMatch(InterruptEvent::hasSilence);
    }

    @Test
    void watchersOfTheDeviceAreToldToHoldAndToPlayOnButNotOfAPauseThatBecameAnInterrupt() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall one = new FakeCall();
        hub.watch("dev-1", 0, one);
        Instant at = Instant.parse("2026-12-02T20:00:00Z");
        Pause pause = new Pause("dev-1", 5, "cough", "vad", at, at.plusSeconds(2), List.of("s-1"), null, null);
        hub.paused(pause);
        hub.pauseEnded(pause.ended(PauseOutcome.RESUMED, at.plusMillis(300)));
        hub.pauseEnded(pause.ended(PauseOutcome.CONFIRMED, at.plusMillis(400)));
        hub.paused(new Pause("dev-2", 1, null, null, at, at.plusSeconds(2), List.of(), null, null));

        awaitWritten(one, 3);
        Paused paused = one.written.get(1).getPaused();
        assertThat(paused.getEpoch()).isEqualTo(5);
        assertThat(paused.getReason()).isEqualTo("cough");
        assertThat(paused.getSessionIdsList()).containsExactly("s-1");
        assertThat(paused.getResumeBy().getSeconds())
                .isEqualTo(at.plusSeconds(2).getEpochSecond());
        Resumed resumed = one.written.get(2).getResumed();
        assertThat(resumed.getOutcome()).isEqualTo("resumed");
        assertThat(resumed.getPausedMs()).isEqualTo(300.0);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> one.written.size() == 3);
    }

    @Test
    void watchersOfTheDeviceThatAskedSeeEachSpeechDecisionWithItsRuleAndPauseAndOthersDoNot() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall one = new FakeCall();
        FakeCall other = new FakeCall();
        FakeCall notAsked = new FakeCall();
        hub.watch("dev-1", true, 0, one);
        hub.watch("dev-2", true, 0, other);
        hub.watch("dev-1", false, 0, notAsked);
        Instant at = Instant.parse("2026-12-06T21:00:00Z");
        Pause pause = new Pause("dev-1", 4, "speech", "speech", at, at.plusSeconds(2), List.of("s-1"), null, null);
        hub.speechDecided(new SpeechOutcome(
                "dev-1", SpeechDecision.PAUSED, SpeechRule.FEW_WORDS, "calm", 4, pause, true, 1, 180, false, at));
        hub.speechDecided(new SpeechOutcome(
                "dev-1", SpeechDecision.IGNORED, SpeechRule.TOO_SHORT, "default", 4, null, false, 0, 40, false, at));

        awaitWritten(one, 3);
        SpeechDecided paused = one.written.get(1).getSpeech();
        assertThat(paused.getDecision()).isEqualTo("PAUSED");
        assertThat(paused.getRule()).as("the rule's tag").isEqualTo("few-words");
        assertThat(paused.getPolicy()).isEqualTo("calm");
        assertThat(paused.getAlreadyPaused()).isTrue();
        assertThat(paused.getWords()).isEqualTo(1);
        assertThat(paused.getSpeechMs()).isEqualTo(180);
        assertThat(paused.getPause().getSessionIdsList()).containsExactly("s-1");
        assertThat(paused.getPause().getResumeBy().getSeconds())
                .isEqualTo(at.plusSeconds(2).getEpochSecond());
        SpeechDecided ignored = one.written.get(2).getSpeech();
        assertThat(ignored.getDecision()).isEqualTo("IGNORED");
        assertThat(ignored.getRule()).isEqualTo("too-short");
        assertThat(ignored.hasPause()).isFalse();
        awaitWritten(other, 1);
        assertThat(other.written).as("nothing of another device").noneMatch(InterruptEvent::hasSpeech);
        awaitWritten(notAsked, 1);
        assertThat(notAsked.written).as("nothing for a stream that did not ask").noneMatch(InterruptEvent::hasSpeech);
    }

    @Test
    void watchersThatAskedAreToldTheTurnAfterAnInterruptRecoveredWithItsTimeOrWasMissedOrSuperseded() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall one = new FakeCall();
        hub.watch("dev-1", true, 0, one);
        Instant at = Instant.parse("2026-12-06T21:00:00Z");
        hub.recoveryResolved(new RecoveryReport("dev-1", 3, RecoveryOutcome.RECOVERED, at, 812.5, "s-next"));
        hub.recoveryResolved(new RecoveryReport("dev-1", 4, RecoveryOutcome.MISSED, at, null, null));
        hub.recoveryResolved(new RecoveryReport("dev-1", 5, RecoveryOutcome.SUPERSEDED, at, null, null));
        hub.recoveryResolved(new RecoveryReport("dev-2", 1, RecoveryOutcome.MISSED, at, null, null));

        awaitWritten(one, 4);
        RecoveryResolved recovered = one.written.get(1).getRecovery();
        assertThat(recovered.getEpoch()).isEqualTo(3);
        assertThat(recovered.getOutcome()).isEqualTo("RECOVERED");
        assertThat(recovered.getRecoveredMs()).isEqualTo(812.5);
        assertThat(recovered.getSessionId()).isEqualTo("s-next");
        assertThat(recovered.getInterruptedAt().getSeconds()).isEqualTo(at.getEpochSecond());
        RecoveryResolved missed = one.written.get(2).getRecovery();
        assertThat(missed.getOutcome()).isEqualTo("MISSED");
        assertThat(missed.getRecoveredMs())
                .as("no time: the next turn never came")
                .isZero();
        assertThat(missed.getSessionId()).isEmpty();
        assertThat(one.written.get(3).getRecovery().getOutcome()).isEqualTo("SUPERSEDED");
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> one.written.size() == 4);
    }

    @Test
    void aCancelledStreamIsForgottenAndNeverWrittenToAgain() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall call = new FakeCall();
        hub.watch(null, 0, call);
        await().atMost(WAIT).until(() -> call.written.size() == 1);

        call.cancel();
        hub.interruptStarted(cause("dev-1", 1), List.of());

        assertThat(hub.openStreams()).isZero();
        assertThat(call.written).hasSize(1);
        assertThat(call.end).as("nobody to tell").isNull();
    }

    @Test
    void shutdownEndsEveryStreamWithUnavailableAndRefusesNewOnes() {
        InterruptWatchHub hub = new InterruptWatchHub(10, 100, writers);
        FakeCall notReady = new FakeCall();
        notReady.ready = false;
        FakeCall ready = new FakeCall();
        hub.watch("dev-1", 0, notReady);
        hub.watch(null, 0, ready);

        hub.shutdown();

        await().atMost(WAIT).until(() -> notReady.end != null && ready.end != null);
        assertThat(notReady.end.getCode())
                .as("ended even though it was not reading")
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ready.end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        FakeCall late = new FakeCall();
        hub.watch(null, 0, late);
        assertThat(late.end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(hub.openStreams()).isZero();
    }

    /** Many interrupting threads at once: one writer per stream, nothing lost, each device's events in order. */
    @Test
    void publishersOnManyThreadsNeverOverlapWritesToOneStreamAndLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 2_000;
        InterruptWatchHub hub = new InterruptWatchHub(10, threads * perThread + 1, writers);
        FakeCall first = new FakeCall();
        FakeCall second = new FakeCall();
        hub.watch(null, 0, first);
        hub.watch(null, 0, second);
        ExecutorService publishers = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String device = "dev-" + t;
                done.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            for (long epoch = 1; epoch <= perThread; epoch++) {
                                hub.interruptStarted(cause(device, epoch), List.of());
                                if (epoch % 100 == 0) {
                                    first.ready = !first.ready; // flow control coming and going under the writers
                                    if (first.ready) {
                                        first.onReady.run();
                                    }
                                }
                            }
                        },
                        publishers));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            first.becomeReady();

            for (FakeCall call : List.of(first, second)) {
                await().atMost(WAIT).until(() -> call.written.size() == threads * perThread + 1);
                assertThat(call.overlaps)
                        .as("calls on one stream never overlap")
                        .hasValue(0);
                assertThat(call.end).isNull();
                Map<String, Long> last = new HashMap<>();
                for (InterruptEvent event : call.written.subList(1, call.written.size())) {
                    long previous = last.getOrDefault(event.getStarted().getHardwareId(), 0L);
                    assertThat(event.getStarted().getEpoch())
                            .as("per device in order")
                            .isEqualTo(previous + 1);
                    last.put(
                            event.getStarted().getHardwareId(),
                            event.getStarted().getEpoch());
                }
            }
            assertThat(hub.overflows()).isZero();
        } finally {
            publishers.shutdownNow();
        }
    }

    @Test
    void theStreamCapHoldsWhenManyClientsWatchAtOnce() throws Exception {
        int cap = 5;
        int clients = 32;
        InterruptWatchHub hub = new InterruptWatchHub(cap, 100, writers);
        List<FakeCall> calls = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            calls.add(new FakeCall());
        }
        ExecutorService watchers = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (FakeCall call : calls) {
                done.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            hub.watch(null, 0, call);
                        },
                        watchers));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } finally {
            watchers.shutdownNow();
        }

        assertThat(hub.openStreams()).isEqualTo(cap);
        assertThat(calls.stream().filter(c -> c.end != null))
                .hasSize(clients - cap)
                .allSatisfy(c -> assertThat(c.end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }
}
