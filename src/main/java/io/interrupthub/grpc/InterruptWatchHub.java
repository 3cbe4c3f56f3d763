package io.interrupthub.grpc;

import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.grpc.proto.InterruptEvent;

/**
 * The {@code WatchInterrupts} streams. Publishing costs the interrupting thread one message build and one
 * queue offer per matching stream; writing is done on the server's executor, by at most one task per
 * stream at a time, and only while gRPC's flow control says the client keeps up ({@code isReady}).
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
    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong overflows = new AtomicLong();
    private volatile boolean accepting = true;

    InterruptWatchHub(int maxStreams, int buffer, ExecutorService executor) {
        this.maxStreams = maxStreams;
        this.buffer = buffer;
        this.executor = executor;
    }

    /**
     * Starts a stream: {@code subscribed} first, then every interrupt of the device (of every device when
     * {@code hardwareId} is null). Must be called from the RPC handler, where the cancel and ready handlers
     * can still be set.
     */
    void watch(String hardwareId, long epoch, ServerCallStreamObserver<InterruptEvent> observer) {
        if (!accepting) {
            observer.onError(shuttingDown().asRuntimeException());
            return;
        }
        if (open.incrementAndGet() > maxStreams) {
            open.decrementAndGet();
            observer.onError(Status.RESOURCE_EXHAUSTED.withDescription(maxStreams
                    + " watch streams are open, the limit set by interrupt.grpc.max-watch-streams").asRuntimeException());
            return;
        }
        Watcher watcher = new Watcher(hardwareId, observer);
        observer.setOnCancelHandler(watcher::cancelled);
        observer.setOnReadyHandler(watcher::schedule);
        watcher.offer(Messages.subscribed(hardwareId, epoch)); // queued before it can see any interrupt
        watchers.add(watcher);
        if (!accepting) { // shutdown() may have run between the first check and the add
            watcher.end(shuttingDown());
        }
    }

    int openStreams() {
        return open.get();
    }

    /** Streams ended because their client fell more than {@code buffer} events behind. */
    long overflows() {
        return overflows.get();
    }

    /** Ends every stream with UNAVAILABLE, the status a gRPC client retries elsewhere, and refuses new ones. */
    void shutdown() {
        accepting = false;
        for (Watcher watcher : watchers) {
            watcher.end(shuttingDown());
        }
        executor.shutdown(); // the tasks that end the streams are queued already and still run
    }

    private static Status shuttingDown() {
        return Status.UNAVAILABLE.withDescription("the server is shutting down");
    }

    // ---- publishing (the interrupting thread) --------------------------------------------------

    @Override
    public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
        if (!watchers.isEmpty()) {
            publish(cause.hardwareId(), Messages.started(cause, sessionIds));
        }
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        if (!watchers.isEmpty()) {
            publish(result.hardwareId(), Messages.completed(result));
        }
    }

    @Override
    public void silenceResolved(SilenceReport silence) {
        if (!watchers.isEmpty()) {
            publish(silence.hardwareId(), Messages.silence(silence));
        }
    }

    private void publish(String hardwareId, InterruptEvent event) {
        for (Watcher watcher : watchers) {
            if (watcher.hardwareId == null || watcher.hardwareId.equals(hardwareId)) {
                watcher.offer(event);
            }
        }
    }

    // ---- one stream ----------------------------------------------------------------------------

    private final class Watcher {

        final String hardwareId;
        final ServerCallStreamObserver<InterruptEvent> observer;
        final Queue<InterruptEvent> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger queued = new AtomicInteger();
        final AtomicBoolean draining = new AtomicBoolean();
        /** The status to end with, once decided; the drain task ends the call with it. */
        final AtomicReference<Status> ending = new AtomicReference<>();
        /** Set by the drain task only: the call is closed, nothing more is written. */
        boolean closed;

        Watcher(String hardwareId, ServerCallStreamObserver<InterruptEvent> observer) {
            this.hardwareId = hardwareId;
            this.observer = observer;
        }

        void offer(InterruptEvent event) {
            if (ending.get() != null) {
                return;
            }
            if (queued.incrementAndGet() > buffer) {
                if (end(Status.RESOURCE_EXHAUSTED.withDescription("the watcher fell more than " + buffer
                        + " events behind (interrupt.grpc.watch-buffer); reconnect and compare epochs"))) {
                    overflows.incrementAndGet();
                }
                return;
            }
            queue.add(event);
            schedule();
        }

        void cancelled() {
            end(Status.CANCELLED);
        }

        /** Decides how the stream ends; the first decision wins. Returns whether this call made it. */
        boolean end(Status status) {
            if (!ending.compareAndSet(null, status)) {
                return false;
            }
            if (watchers.remove(this)) {
                open.decrementAndGet();
            }
            schedule();
            return true;
        }

        /** Makes sure one drain task runs; also the ready handler, called when the client caught up. */
        void schedule() {
            if (draining.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException afterShutdown) {
                    // shutdown() already queued the task that ends this stream
                }
            }
        }

        /** The only code that touches the call after the handler returned, so calls on it never overlap. */
        private void drain() {
            while (true) {
                if (closed) {
                    return; // draining stays set: nothing is written to this stream again
                }
                Status end = ending.get();
                if (end != null) {
                    closed = true;
                    queue.clear();
                    close(end);
                    return;
                }
                InterruptEvent event = observer.isReady() ? queue.poll() : null;
                if (event == null) {
                    draining.set(false);
                    // An offer, an end or readiness that came between the check and the reset must not be lost.
                    boolean more = ending.get() != null || (!queue.isEmpty() && observer.isReady());
                    if (!more || !draining.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                queued.decrementAndGet();
                try {
                    observer.onNext(event);
                } catch (RuntimeException gone) {
                    end(Status.CANCELLED);
                }
            }
        }

        private void close(Status status) {
            if (status.getCode() == Status.Code.CANCELLED || observer.isCancelled()) {
                return; // the client went away: there is nobody to tell
            }
            try {
                observer.onError(status.asRuntimeException());
            } catch (RuntimeException alreadyClosed) {
                // the call ended on its own meanwhile
            }
        }
    }
}
