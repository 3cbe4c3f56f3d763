package io.interrupthub.grpc;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.Pause;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SpeechOutcome;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.stream.Broadcaster;
import org.jspecify.annotations.Nullable;

/**
 * The {@code WatchInterrupts} streams. Publishing costs the interrupting thread one message build and one
 * queue offer per matching stream; writing is done on the server's executor by a {@link Broadcaster}, at
 * most one task per stream at a time, and only while gRPC's flow control says the client keeps up
 * ({@code isReady}).
 *
 * <p>Everything is bounded: at most {@code maxStreams} streams, and per stream at most {@code buffer}
 * events waiting. A stream whose client falls further behind is ended with RESOURCE_EXHAUSTED rather than
 * thinned out: a worker that silently missed an interrupt would keep talking over the user, while one told
 * it fell behind reconnects and compares the epoch in its new {@code subscribed} event with the last it saw.
 */
final class InterruptWatchHub implements InterruptListener {

    private final int maxStreams;
    private final int buffer;
    /** Writes to the streams; at most one task per stream is queued, so its queue is bounded by maxStreams. */
    private final ExecutorService executor;
    /** Each stream's device (null for every device) and whether it asked for speech and recovery events. */
    private final Broadcaster<Watcher, InterruptEvent> streams;

    /** What a stream asked for. */
    private record Watcher(@Nullable String hardwareId, boolean speech) {}

    InterruptWatchHub(int maxStreams, int buffer, ExecutorService executor) {
        this.maxStreams = maxStreams;
        this.buffer = buffer;
        this.executor = executor;
        // A stream's topic is the device it watches (null: every device), so an event looks at that device's
        // streams only.
        this.streams = new Broadcaster<>(maxStreams, buffer, executor, Watcher::hardwareId);
    }

    /**
     * Starts a stream: {@code subscribed} first, then every interrupt of the device (of every device when
     * {@code hardwareId} is null). Must be called from the RPC handler, where the cancel and ready handlers
     * can still be set; they are set before the stream is handed to its writer, so no other thread touches
     * the call while the handler still does.
     */
    void watch(@Nullable String hardwareId, long epoch, ServerCallStreamObserver<InterruptEvent> observer) {
        watch(hardwareId, false, epoch, observer);
    }

    /** As {@link #watch(String, long, ServerCallStreamObserver)}; {@code speech}: also speech and recovery events. */
    void watch(
            @Nullable String hardwareId,
            boolean speech,
            long epoch,
            ServerCallStreamObserver<InterruptEvent> observer) {
        Broadcaster.Stream<Watcher, InterruptEvent> stream;
        try {
            stream = streams.open(
                    new Watcher(hardwareId, speech), new WatchSink(observer), Messages.subscribed(hardwareId, epoch));
        } catch (Broadcaster.Refused refused) {
            observer.onError((refused.full()
                            ? Status.RESOURCE_EXHAUSTED.withDescription(maxStreams + " watch streams are open,"
                                    + " the limit set by interrupt.grpc.max-watch-streams")
                            : shuttingDown())
                    .asRuntimeException());
            return;
        }
        observer.setOnCancelHandler(() -> stream.end(Broadcaster.End.GONE));
        observer.setOnReadyHandler(stream::resume);
        stream.start();
    }

    int openStreams() {
        return streams.openStreams();
    }

    /** Streams ended because their client fell more than {@code buffer} events behind. */
    long overflows() {
        return streams.overflows();
    }

    /** Ends every stream with UNAVAILABLE, the status a gRPC client retries elsewhere, and refuses new ones. */
    void shutdown() {
        streams.shutdown();
        executor.shutdown(); // the tasks that end the streams are queued already and still run
    }

    private static Status shuttingDown() {
        return Status.UNAVAILABLE.withDescription("the server is shutting down");
    }

    // ---- publishing (the interrupting thread) --------------------------------------------------

    @Override
    public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
        if (!streams.isEmpty()) {
            publish(cause.hardwareId(), Messages.started(cause, sessionIds));
        }
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        if (!streams.isEmpty()) {
            publish(result.hardwareId(), Messages.completed(result));
        }
    }

    @Override
    public void silenceResolved(SilenceReport silence) {
        if (!streams.isEmpty()) {
            publish(silence.hardwareId(), Messages.silence(silence));
        }
    }

    @Override
    public void paused(Pause pause) {
        if (!streams.isEmpty()) {
            publish(pause.hardwareId(), Messages.paused(pause));
        }
    }

    /** Only a pause that resumed: one that became an interrupt is followed by that interrupt's events. */
    @Override
    public void pauseEnded(Pause pause) {
        if (!streams.isEmpty() && pause.outcome().resumed()) {
            publish(pause.hardwareId(), Messages.resumed(pause));
        }
    }

    /** Every decision, IGNORED included, to the streams that asked: what the policy made of what the user said. */
    @Override
    public void speechDecided(SpeechOutcome outcome) {
        if (!streams.isEmpty()) {
            publishToSpeechWatchers(outcome.hardwareId(), () -> Messages.speech(outcome));
        }
    }

    @Override
    public void recoveryResolved(RecoveryReport recovery) {
        if (!streams.isEmpty()) {
            publishToSpeechWatchers(recovery.hardwareId(), () -> Messages.recovery(recovery));
        }
    }

    private void publish(String hardwareId, InterruptEvent event) {
        for (Broadcaster.Stream<Watcher, InterruptEvent> stream : streams.streamsFor(hardwareId)) {
            stream.offer(event);
        }
    }

    /** The event is built only when a stream of the device asked for speech and recovery events. */
    private void publishToSpeechWatchers(String hardwareId, Supplier<InterruptEvent> event) {
        InterruptEvent built = null;
        for (Broadcaster.Stream<Watcher, InterruptEvent> stream : streams.streamsFor(hardwareId)) {
            if (stream.attachment().speech()) {
                if (built == null) {
                    built = event.get();
                }
                stream.offer(built);
            }
        }
    }

    // ---- one stream ----------------------------------------------------------------------------

    /** The call as the broadcaster's single writer sees it. */
    private final class WatchSink implements Broadcaster.Sink<InterruptEvent> {

        private final ServerCallStreamObserver<InterruptEvent> observer;

        WatchSink(ServerCallStreamObserver<InterruptEvent> observer) {
            this.observer = observer;
        }

        @Override
        public void write(InterruptEvent event) {
            observer.onNext(event);
        }

        @Override
        public boolean ready() {
            return observer.isReady();
        }

        @Override
        public void close(Broadcaster.End end) {
            if (end == Broadcaster.End.GONE || observer.isCancelled()) {
                return; // the client went away: there is nobody to tell
            }
            Status status = switch (end) {
                case OVERFLOW ->
                    Status.RESOURCE_EXHAUSTED.withDescription("the watcher fell more than " + buffer
                            + " events behind (interrupt.grpc.watch-buffer); reconnect and compare epochs");
                case SHUTDOWN -> shuttingDown();
                default -> null;
            };
            try {
                if (status == null) {
                    observer.onCompleted();
                } else {
                    observer.onError(status.asRuntimeException());
                }
            } catch (RuntimeException alreadyClosed) {
                // the call ended on its own meanwhile
            }
        }
    }
}
