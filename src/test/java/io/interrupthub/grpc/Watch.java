package io.interrupthub.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import io.interrupthub.grpc.proto.WatchInterruptsRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code WatchInterrupts} stream as a worker holds it: events in arrival order, and how the stream ended.
 * With {@code autoRead=false} it reads nothing past the first event until {@link #readAll()}, like a worker
 * that stopped reading.
 */
final class Watch implements AutoCloseable {

    private final BlockingQueue<InterruptEvent> events = new LinkedBlockingQueue<>();
    private final List<InterruptEvent> seen = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Status end;
    private volatile ClientCallStreamObserver<WatchInterruptsRequest> call;

    private Watch() {}

    static Watch open(Channel channel, String hardwareId) {
        return open(channel, hardwareId, true);
    }

    static Watch open(Channel channel, String hardwareId, boolean autoRead) {
        return open(channel, request(hardwareId).build(), autoRead);
    }

    /** A stream that also asked for speech decisions and recovery resolutions. */
    static Watch openWithSpeech(Channel channel, String hardwareId) {
        return open(channel, request(hardwareId).setSpeech(true).build(), true);
    }

    private static WatchInterruptsRequest.Builder request(String hardwareId) {
        return WatchInterruptsRequest.newBuilder().setHardwareId(hardwareId == null ? "" : hardwareId);
    }

    private static Watch open(Channel channel, WatchInterruptsRequest request, boolean autoRead) {
        Watch watch = new Watch();
        StreamingServiceGrpc.newStub(channel)
                .watchInterrupts(request, new ClientResponseObserver<WatchInterruptsRequest, InterruptEvent>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<WatchInterruptsRequest> requestStream) {
                        watch.call = requestStream;
                        if (!autoRead) {
                            requestStream.disableAutoRequestWithInitial(1);
                        }
                    }

                    @Override
                    public void onNext(InterruptEvent event) {
                        watch.events.add(event);
                    }

                    @Override
                    public void onError(Throwable error) {
                        watch.end = Status.fromThrowable(error);
                        watch.ended.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        watch.end = Status.OK;
                        watch.ended.countDown();
                    }
                });
        return watch;
    }

    /** The next event, or a failure naming how long it waited. */
    InterruptEvent next(Duration timeout) throws InterruptedException {
        InterruptEvent event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event)
                .as("an event within %s (stream ended: %s)", timeout, end)
                .isNotNull();
        seen.add(event);
        return event;
    }

    /** Reads until an event matches; returns it. Events read on the way are kept in {@link #seen()}. */
    InterruptEvent nextMatching(Predicate<InterruptEvent> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            InterruptEvent event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertThat(event)
                    .as("a matching event within %s (stream ended: %s, seen: %s)", timeout, end, seen.size())
                    .isNotNull();
            seen.add(event);
            if (wanted.test(event)) {
                return event;
            }
        }
    }

    /** Everything received so far, after what was already read. */
    List<InterruptEvent> drain() {
        events.drainTo(seen);
        return seen;
    }

    List<InterruptEvent> seen() {
        return seen;
    }

    /** A worker that catches up: asks for everything the server still has for it. */
    void readAll() {
        call.request(Integer.MAX_VALUE);
    }

    /** How the stream ended, waiting at most {@code timeout}; null if it is still open. */
    Status awaitEnd(Duration timeout) throws InterruptedException {
        ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return end;
    }

    Status end() {
        return end;
    }

    @Override
    public void close() {
        if (end == null && call != null) {
            call.cancel("the test is done", null);
        }
    }
}
