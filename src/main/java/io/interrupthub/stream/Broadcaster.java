package io.interrupthub.stream;

import java.util.Iterator;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A bounded set of push streams, each with its own bounded outbox and at most one writer at a time.
 *
 * <p>Offering a frame costs the caller one queue add: writing is done on {@code writers}, by at most one task
 * per stream at a time, so calls on one {@link Sink} never overlap and a client that stops reading delays
 * nobody else. Everything is bounded: at most {@code maxStreams} streams (one more is {@link Refused}), at
 * most {@code outboxLimit} frames waiting per stream. A stream further behind is ended with
 * {@link End#OVERFLOW} rather than thinned out, so its client knows it missed something.
 *
 * <p>A stream is opened held: frames offered to it queue, but nothing is written until its opener calls
 * {@link Stream#start()}. The opener (a request or RPC handler) finishes its own use of the connection first —
 * sets its headers and callbacks, writes its greeting — so no other thread touches the connection before the
 * handler is done with it.
 *
 * <p>Streams may follow a topic (a device): {@link #streamsFor} finds a topic's streams without looking at the
 * others, so publishing to one device costs the same with ten streams open or ten thousand.
 *
 * <p>A stream's end is decided once (the first reason wins) and carried out by its writer after the write in
 * progress, if any: {@link Sink#close} is the last call on the sink. The broadcaster knows nothing of the
 * protocol: the caller's sink writes frames and maps the end to what its protocol says.
 *
 * @param <A> what the owner keeps with each stream (its filter, its position)
 * @param <F> a frame as the sink writes it
 */
public final class Broadcaster<A, F> {

    /** Why a stream ended. */
    public enum End {
        /** Its client fell more than the outbox limit behind. */
        OVERFLOW,
        /** A write failed or the transport reported the client gone: there is nobody to tell. */
        GONE,
        /** The owner ended it (a timeout, a completed conversation). */
        CLOSED,
        /** The broadcaster shut down. */
        SHUTDOWN
    }

    /** Where one stream's frames go. Called by one thread at a time, never concurrently. */
    public interface Sink<F> {

        /** Writes one frame; an exception means the client is gone and ends the stream with {@link End#GONE}. */
        void write(F frame) throws Exception;

        /**
         * Whether the client can take a frame now (flow control). When this answers false the writer stops;
         * the owner calls {@link Stream#resume()} once it can again.
         */
        default boolean ready() {
            return true;
        }

        /** Ends the stream; the last call on the sink. Must not throw. */
        void close(End end);
    }

    /** Thrown by {@link #open} when the stream cannot be opened; nothing was registered. */
    public static final class Refused extends RuntimeException {
        private final boolean full;

        Refused(boolean full, String message) {
            super(message, null, false, false);
            this.full = full;
        }

        /** True at the stream cap, false when shutting down. */
        public boolean full() {
            return full;
        }
    }

    private final int maxStreams;
    private final int outboxLimit;
    private final Executor writers;
    private final Set<Stream<A, F>> streams = ConcurrentHashMap.newKeySet();
    /** What a stream follows, from its attachment; null when the streams are not indexed by topic. */
    private final Function<? super A, String> topicOf;
    /** The streams that follow one topic, by topic; a topic is here only while it has streams. */
    private final ConcurrentHashMap<String, Set<Stream<A, F>>> byTopic = new ConcurrentHashMap<>();
    /** The streams whose topic is null: they follow every topic. */
    private final Set<Stream<A, F>> everyTopic = ConcurrentHashMap.newKeySet();

    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong overflows = new AtomicLong();
    private volatile boolean accepting = true;

    /** Streams that follow no topic in particular; {@link #streamsFor} answers every stream. */
    public Broadcaster(int maxStreams, int outboxLimit, Executor writers) {
        this(maxStreams, outboxLimit, writers, null);
    }

    /**
     * Streams indexed by topic: {@code topicOf} names the topic of a stream's attachment, null for a stream
     * that follows every topic. It is read once, when the stream opens.
     */
    public Broadcaster(int maxStreams, int outboxLimit, Executor writers, Function<? super A, String> topicOf) {
        if (maxStreams < 1 || outboxLimit < 1) {
            throw new IllegalArgumentException("maxStreams and outboxLimit must be positive");
        }
        this.maxStreams = maxStreams;
        this.outboxLimit = outboxLimit;
        this.writers = writers;
        this.topicOf = topicOf;
    }

    /**
     * Opens a held stream: {@code first}, if not null, is its first frame, queued before any other thread can
     * offer to it. Nothing is written until {@link Stream#start()}.
     *
     * @throws Refused at {@code maxStreams} open streams, or once {@link #shutdown()} ran
     */
    public Stream<A, F> open(A attachment, Sink<F> sink, F first) {
        if (!accepting) {
            throw new Refused(false, "shutting down");
        }
        if (open.incrementAndGet() > maxStreams) {
            open.decrementAndGet();
            throw new Refused(true, maxStreams + " streams are open");
        }
        Stream<A, F> stream = new Stream<>(this, attachment, sink, topicOf == null ? null : topicOf.apply(attachment));
        if (first != null) {
            stream.offer(first);
        }
        // Indexed before it is added: whoever ends it from then on (shutdown() finds it only once added)
        // removes it from the index too.
        index(stream);
        streams.add(stream);
        if (stream.ending()) {
            // Ended in between (a publisher that found it by its topic overflowed it): its own forget() found
            // nothing to remove, so this one frees its slot and its index entry.
            forget(stream);
        }
        if (!accepting) { // shutdown() may have run between the first check and the add
            stream.end(End.SHUTDOWN);
            throw new Refused(false, "shutting down");
        }
        return stream;
    }

    /** The open streams, weakly consistent: safe to iterate while streams open and end. */
    public Iterable<Stream<A, F>> streams() {
        return streams;
    }

    /**
     * The open streams that follow {@code topic}: those opened for it and those that follow every topic,
     * weakly consistent. Without a topic index, every open stream.
     */
    public Iterable<Stream<A, F>> streamsFor(String topic) {
        if (topicOf == null) {
            return streams;
        }
        Set<Stream<A, F>> own = topic == null ? null : byTopic.get(topic);
        if (own == null) {
            return everyTopic;
        }
        if (everyTopic.isEmpty()) {
            return own;
        }
        return () -> java.util.stream.Stream.concat(own.stream(), everyTopic.stream())
                .iterator();
    }

    /** Topics with at least one open stream; for tests. */
    int topics() {
        return byTopic.size();
    }

    public boolean isEmpty() {
        return streams.isEmpty();
    }

    public int openStreams() {
        return open.get();
    }

    /** Streams ended because their client fell more than the outbox limit behind. */
    public long overflows() {
        return overflows.get();
    }

    /** Refuses new streams and ends every open one with {@link End#SHUTDOWN}. */
    public void shutdown() {
        accepting = false;
        for (Iterator<Stream<A, F>> it = streams.iterator(); it.hasNext(); ) {
            it.next().end(End.SHUTDOWN);
        }
    }

    private void forget(Stream<A, F> stream) {
        if (streams.remove(stream)) {
            open.decrementAndGet();
            unindex(stream);
        }
    }

    private void index(Stream<A, F> stream) {
        if (topicOf == null) {
            return;
        }
        if (stream.topic == null) {
            everyTopic.add(stream);
        } else {
            byTopic.compute(stream.topic, (topic, followers) -> {
                Set<Stream<A, F>> set = followers == null ? ConcurrentHashMap.newKeySet() : followers;
                set.add(stream);
                return set;
            });
        }
    }

    private void unindex(Stream<A, F> stream) {
        if (topicOf == null) {
            return;
        }
        if (stream.topic == null) {
            everyTopic.remove(stream);
        } else {
            byTopic.computeIfPresent(stream.topic, (topic, followers) -> {
                followers.remove(stream);
                return followers.isEmpty() ? null : followers;
            });
        }
    }

    /** One stream: its outbox and its single writer. */
    public static final class Stream<A, F> {

        private final Broadcaster<A, F> owner;
        private final A attachment;
        private final Sink<F> sink;
        private final String topic;
        private final Queue<F> outbox = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean draining = new AtomicBoolean();
        /** How the stream ends, once decided; its writer carries it out. */
        private final AtomicReference<End> ending = new AtomicReference<>();
        /** Writer only: the sink is closed, nothing more is written. */
        private boolean closed;
        /** Set by the opener once it is done with the connection; until then nothing is written. */
        private volatile boolean started;

        private Stream(Broadcaster<A, F> owner, A attachment, Sink<F> sink, String topic) {
            this.owner = owner;
            this.attachment = attachment;
            this.sink = sink;
            this.topic = topic;
        }

        public A attachment() {
            return attachment;
        }

        /** Whether the stream's end has been decided. */
        public boolean ending() {
            return ending.get() != null;
        }

        /**
         * Queues a frame for writing. Returns false if the stream has ended or just ended because this frame
         * was one past its outbox limit.
         */
        public boolean offer(F frame) {
            if (ending.get() != null) {
                return false;
            }
            if (queued.incrementAndGet() > owner.outboxLimit) {
                if (end(End.OVERFLOW)) {
                    owner.overflows.incrementAndGet();
                }
                return false;
            }
            outbox.add(frame);
            schedule();
            return true;
        }

        /**
         * Decides how the stream ends and frees its slot at once; the writer closes the sink after the write
         * in progress. The first decision wins; returns whether this call made it.
         */
        public boolean end(End end) {
            if (!ending.compareAndSet(null, end)) {
                return false;
            }
            owner.forget(this);
            schedule();
            return true;
        }

        /**
         * Hands the stream to its writer: the opener is done with the connection. Frames queued so far are
         * written, and an end decided meanwhile is carried out.
         */
        public void start() {
            started = true;
            schedule();
        }

        /** The client can take frames again (flow control): makes sure its writer runs. */
        public void resume() {
            schedule();
        }

        private void schedule() {
            if (started && draining.compareAndSet(false, true)) {
                try {
                    owner.writers.execute(this::drain);
                } catch (RejectedExecutionException writersStopped) {
                    draining.set(false);
                    closeNow();
                }
            }
        }

        /** When the writers are gone, whoever gets here first closes the sink; the flag keeps it to one. */
        private void closeNow() {
            if (draining.compareAndSet(false, true)) {
                ending.compareAndSet(null, End.SHUTDOWN);
                owner.forget(this);
                finish();
            }
        }

        /** The only code that calls the sink, so calls on it never overlap. */
        private void drain() {
            while (true) {
                if (closed) {
                    return; // draining stays set: nothing is written to this stream again
                }
                if (ending.get() != null) {
                    finish();
                    return;
                }
                F frame = sink.ready() ? outbox.poll() : null;
                if (frame == null) {
                    draining.set(false);
                    // An offer, an end or readiness that came between the check and the reset must not be lost.
                    boolean more = ending.get() != null || (!outbox.isEmpty() && sink.ready());
                    if (!more || !draining.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                queued.decrementAndGet();
                try {
                    sink.write(frame);
                } catch (Exception gone) {
                    end(End.GONE);
                }
            }
        }

        private void finish() {
            closed = true;
            outbox.clear();
            try {
                sink.close(ending.get());
            } catch (RuntimeException ignored) {
                // the connection is gone either way
            }
        }
    }
}
