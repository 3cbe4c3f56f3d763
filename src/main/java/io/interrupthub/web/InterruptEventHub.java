package io.interrupthub.web;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.interrupthub.autoconfigure.DaemonThreads;
import io.interrupthub.autoconfigure.QueueLinger;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.Pause;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SpeechOutcome;
import io.interrupthub.stream.Broadcaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pushes interrupt and session events to Server-Sent Events subscribers.
 *
 * <p>Publishing costs the interrupting thread one queue offer, which wakes the dispatcher only while a stream is
 * open: with none, nobody waits for an event, so the dispatcher pauses ({@link QueueLinger}) after each wake and
 * takes the events offered meanwhile together. A single dispatcher thread numbers the
 * events, keeps the most recent in a bounded buffer, serialises each once (when a stream first needs it) and writes it to every
 * matching stream, so ids are ordered and a reconnecting client that sends {@code Last-Event-ID} gets
 * exactly what it missed (or a {@code gap} event when the buffer no longer holds it). A new stream is
 * replayed by the same thread before it goes live, so nothing is sent twice or out of order. Writing is
 * done by sender threads from a bounded outbox per stream (a {@link Broadcaster}), so a client that stops
 * reading delays nobody.
 *
 * <p>The request thread writes a stream's greeting itself and only then hands the stream to the senders:
 * Spring MVC holds that first write until it has set the response up and commits the response with it,
 * still on the request thread. Filters that set headers on the way out (Spring Security's header writer)
 * then find the response committed, instead of racing a sender thread that commits it at the same time —
 * two threads on one response corrupt the header table that Tomcat recycles for the next request.
 *
 * <p>A client that closed its connection cleanly is only noticed when a write fails, and the first write
 * after the close still succeeds (the peer answers it with a reset). So every heartbeat is followed
 * shortly by a second, empty comment: a vanished client is found within one heartbeat interval plus that
 * short delay, and its stream, async context and connection are released.
 *
 * <p>An event is offered only to the streams of its device (the broadcaster indexes them), so its cost does
 * not grow with the streams other devices hold open. Each stream keeps its own heartbeat phase, drawn at
 * random when it goes live, and the dispatcher looks for due heartbeats every 20 ms: heartbeats sent to
 * every stream in one round would put thousands of writes in the senders' queue at once, and an event
 * offered just after them would wait for all of them. docs/BENCHMARKS.md (section 5) has the figures.
 */
final class InterruptEventHub implements InterruptListener, SmartLifecycle {

    static final String INTERRUPT = "interrupt";
    static final String INTERRUPT_RESULT = "interrupt-result";
    static final String SESSION = "session";
    static final String SILENCE = "silence";
    static final String PAUSE = "pause";
    static final String RESUME = "resume";
    static final String SPEECH = "speech";
    static final String RECOVERY = "recovery";
    static final String GAP = "gap";

    private static final Logger LOG = LoggerFactory.getLogger(InterruptEventHub.class);
    private static final Object SHUTDOWN = new Object();
    private static final int SENDER_THREADS = 8;
    /** The longest wait between a heartbeat and the write that finds a client gone since before it. */
    private static final Duration PROBE_DELAY = Duration.ofSeconds(1);
    /** How often the dispatcher looks for due heartbeats and probes, at most: the finer, the fewer at once. */
    private static final Duration HEARTBEAT_TICK = Duration.ofMillis(20);
    /** How long a stream's timeout waits for its writer to end it cleanly. */
    private static final Duration TIMEOUT_CLOSE_WAIT = Duration.ofSeconds(1);
    /** Frames one stream may have waiting; a client this far behind is dropped and resumes with Last-Event-ID. */
    static final int OUTBOX_LIMIT = 1024;
    /** Seconds a subscriber refused for capacity or shutdown waits before it asks again. */
    static final String RETRY_AFTER_SECONDS = "5";

    /** Sent at the start of an interrupt: the earliest a worker can know it, before modules are called. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterruptStarted(
            String hardwareId, long epoch, String reason, String source, Instant at, List<String> sessionIds) {}

    private record Pending(String name, String hardwareId, Object body) {}

    /**
     * A numbered event. Its frame (the JSON and the SSE fields around it) is built the first time a stream
     * needs it, live or on replay, and written as it is to every stream after: with no stream open an
     * interrupt costs no serialisation. Only the dispatcher thread touches events.
     */
    private final class Event {
        private final long id;
        private final String name;
        private final String hardwareId;
        private Object body;
        private Frame frame;

        Event(long id, String name, String hardwareId, Object body) {
            this.id = id;
            this.name = name;
            this.hardwareId = hardwareId;
            this.body = body;
        }

        long id() {
            return id;
        }

        String name() {
            return name;
        }

        String hardwareId() {
            return hardwareId;
        }

        Frame frame() {
            if (frame == null) {
                frame = Frame.of(
                        SseEmitter.event().id(Long.toString(id)).name(name).data(write(name, body)));
                body = null;
            }
            return frame;
        }
    }

    private static final long NO_PROBE = Long.MAX_VALUE;

    /**
     * An event as written, built once and written to every stream that wants it: its parts are only read,
     * by any number of sender threads.
     */
    private record Frame(Set<ResponseBodyEmitter.DataWithMediaType> parts) {
        static Frame of(SseEmitter.SseEventBuilder event) {
            return new Frame(Collections.unmodifiableSet(event.build()));
        }
    }

    private static final Frame HEARTBEAT = Frame.of(SseEmitter.event().comment("heartbeat"));
    /** Empty: the write that fails when the heartbeat went to a client already gone. */
    private static final Frame PROBE = Frame.of(SseEmitter.event().comment(""));

    /** A stream's filter and position; the dispatcher thread reads and moves them. */
    private static final class Subscriber {
        final String hardwareId;
        final Long resumeAfter;
        Broadcaster.Stream<Subscriber, Frame> stream;
        // Dispatcher thread only.
        long lastSentId;
        boolean live;
        /** System.nanoTime() of its next heartbeat, once live. */
        long heartbeatAt;
        /** System.nanoTime() of the probe that follows its last heartbeat; NO_PROBE when none is due. */
        long probeAt = NO_PROBE;

        Subscriber(String hardwareId, Long resumeAfter) {
            this.hardwareId = hardwareId;
            this.resumeAfter = resumeAfter;
        }

        boolean wants(Event event) {
            return event.hardwareId() == null || hardwareId == null || hardwareId.equals(event.hardwareId());
        }
    }

    /**
     * The emitter as the broadcaster's single writer sees it. {@code closed} opens once the writer completed the
     * emitter, after any write it had under way.
     */
    private record EmitterSink(SseEmitter emitter, CountDownLatch closed) implements Broadcaster.Sink<Frame> {

        EmitterSink(SseEmitter emitter) {
            this(emitter, new CountDownLatch(1));
        }

        @Override
        public void write(Frame frame) throws IOException {
            emitter.send(frame.parts());
        }

        /** Every end is a normal end for the client: it reconnects and resumes with Last-Event-ID. */
        @Override
        public void close(Broadcaster.End end) {
            complete(emitter);
            closed.countDown();
        }
    }

    private final JsonMapper json;
    private final InterruptEventsProperties settings;
    private final BlockingQueue<Object> queue;
    private final QueueLinger linger;
    private final ArrayDeque<Event> recent;
    private final Broadcaster<Subscriber, Frame> streams;
    private final AtomicLong dropped = new AtomicLong();
    /**
     * Writes frames to the streams. Servlet writes block, so a client that stops reading holds one of
     * these threads until its outbox overflows and it is dropped; the dispatcher and the other streams
     * never wait for it.
     */
    private final ThreadPoolExecutor senders = new ThreadPoolExecutor(
            SENDER_THREADS,
            SENDER_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named("interrupt-events-send-"));

    private volatile boolean gapPending;
    private volatile boolean accepting;
    private volatile Thread dispatcher;
    private long lastId;

    InterruptEventHub(JsonMapper json, InterruptEventsProperties settings) {
        this.json = json;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.linger = QueueLinger.forCapacity(settings.queueCapacity());
        this.recent = new ArrayDeque<>(Math.min(settings.bufferSize(), 4096));
        // Indexed by the device a stream follows, so an event looks at that device's streams only.
        this.streams =
                new Broadcaster<>(settings.maxStreams(), OUTBOX_LIMIT, senders, subscriber -> subscriber.hardwareId);
    }

    // ---- subscribing ---------------------------------------------------------------------------

    SseEmitter subscribe(String hardwareId, Long lastEventId) {
        if (!accepting) {
            throw unavailable("the event stream is shutting down");
        }
        SseEmitter emitter = new SseEmitter(settings.streamTimeout().toMillis());
        Subscriber subscriber = new Subscriber(hardwareId, lastEventId);
        Broadcaster.Stream<Subscriber, Frame> stream;
        EmitterSink sink = new EmitterSink(emitter);
        try {
            stream = streams.open(subscriber, sink, null);
        } catch (Broadcaster.Refused refused) {
            throw unavailable(
                    refused.full()
                            ? settings.maxStreams()
                                    + " event streams are open, the limit set by interrupt.events.max-streams"
                            : "the event stream is shutting down");
        }
        subscriber.stream = stream;
        // Refused before anything is sent: once the greeting is, the answer is an event stream and a problem
        // detail could no longer be written. The stream is held, so queueing it first lets nothing through early.
        if (!queue.offer(subscriber)) {
            stream.end(Broadcaster.End.CLOSED);
            stream.start();
            throw unavailable("the event stream is overloaded");
        }
        wakeDispatcher(); // from a pause taken while no stream was open: the new stream is replayed at once
        try {
            // On this thread, before the emitter is returned: Spring MVC commits the response with it here.
            emitter.send(SseEmitter.event().comment("connected"));
            emitter.onCompletion(() -> stream.end(Broadcaster.End.GONE));
            emitter.onError(error -> stream.end(Broadcaster.End.GONE));
            emitter.onTimeout(() -> {
                // A normal end: the client reconnects and resumes. The stream's writer completes the emitter after
                // the write it may have under way (a heartbeat): completed here meanwhile, the server would close
                // the connection under that write and the client would see it cut, not ended. The server wants it
                // completed before this returns, so a writer held up by a client that stopped reading is not
                // waited for long.
                stream.end(Broadcaster.End.CLOSED);
                try {
                    if (!sink.closed().await(TIMEOUT_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        complete(emitter);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    complete(emitter);
                }
            });
        } catch (IOException notSentYet) {
            stream.end(Broadcaster.End.GONE); // a send before the response is set up is only held, never fails
        } finally {
            stream.start();
        }
        return emitter;
    }

    /**
     * 503 with {@code Retry-After}, at once: the client backs off and asks again (the console and the Python
     * client do, with a growing, jittered pause), instead of its connection waiting for room.
     */
    private static ResponseStatusException unavailable(String detail) {
        return new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, detail) {
            @Override
            public HttpHeaders getHeaders() {
                HttpHeaders headers = new HttpHeaders();
                headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
                return headers;
            }
        };
    }

    int openStreams() {
        return streams.openStreams();
    }

    long droppedEvents() {
        return dropped.get();
    }

    // ---- publishing (any thread) ---------------------------------------------------------------

    @Override
    public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
        publish(new Pending(
                INTERRUPT,
                cause.hardwareId(),
                new InterruptStarted(
                        cause.hardwareId(), cause.epoch(), cause.reason(), cause.source(), cause.at(), sessionIds)));
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        // Its body is built by the dispatcher, and only when a stream needs the event (as its JSON is): with no
        // stream open an interrupt does not build its answer a second time (issue 24).
        publish(new Pending(INTERRUPT_RESULT, result.hardwareId(), result));
    }

    @Override
    public void silenceResolved(SilenceReport silence) {
        publish(new Pending(SILENCE, silence.hardwareId(), ApiBodies.SilenceBody.of(silence)));
    }

    /** Hold playback without flushing it. */
    @Override
    public void paused(Pause pause) {
        publish(new Pending(PAUSE, pause.hardwareId(), ApiBodies.PauseBody.of(pause, false)));
    }

    /**
     * Play on from where it was held. A pause that became an interrupt sends no {@code resume}: its
     * {@code interrupt} event follows, and the result's {@code followedPause} says how it ended.
     */
    @Override
    public void pauseEnded(Pause pause) {
        if (pause.outcome().resumed()) {
            publish(new Pending(RESUME, pause.hardwareId(), ApiBodies.PauseEndedBody.of(pause)));
        }
    }

    @Override
    public void speechDecided(SpeechOutcome outcome) {
        publish(new Pending(SPEECH, outcome.hardwareId(), ApiBodies.SpeechBody.of(outcome)));
    }

    @Override
    public void recoveryResolved(RecoveryReport recovery) {
        publish(new Pending(RECOVERY, recovery.hardwareId(), ApiBodies.RecoveryBody.of(recovery)));
    }

    @Override
    public void sessionChanged(SessionInfo session) {
        publish(new Pending(SESSION, session.hardwareId(), ApiBodies.SessionBody.of(session)));
    }

    private void publish(Pending pending) {
        if (!accepting) {
            return;
        }
        if (!queue.offer(pending)) {
            dropped.incrementAndGet();
            gapPending = true;
        }
    }

    // ---- the dispatcher thread -----------------------------------------------------------------

    private void run() {
        long heartbeatNanos = settings.heartbeat().toNanos();
        long probeNanos = Math.min(PROBE_DELAY.toNanos(), heartbeatNanos / 2);
        long tickNanos =
                Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(HEARTBEAT_TICK.toNanos(), heartbeatNanos / 10));
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (true) {
                Object item;
                if (streams.isEmpty()) {
                    // With no stream open there is nothing to heartbeat: an idle service (or a host that embeds the
                    // hub and never streams) sleeps until the next event or stream instead of waking every tick. And
                    // nobody waits for an event: once one wakes it, the dispatcher pauses, so the events that follow
                    // (each interrupt publishes two) are queued without waking it, and are numbered and kept for
                    // replay together. A subscriber ends the pause.
                    item = queue.poll();
                    if (item == null) {
                        item = queue.take();
                        linger.pause();
                    }
                } else {
                    item = queue.poll(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                if (item == SHUTDOWN) {
                    break;
                }
                if (gapPending) {
                    gapPending = false;
                    deliver(record(GAP, null, new Gap(lastId + 1, dropped.get())));
                }
                if (item instanceof Pending pending) {
                    deliver(record(pending.name(), pending.hardwareId(), pending.body()));
                } else if (item instanceof Subscriber subscriber) {
                    replay(subscriber, heartbeatNanos);
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    heartbeats(now, heartbeatNanos, probeNanos);
                    nextTick = now + tickNanos;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.shutdown();
        }
    }

    /**
     * A heartbeat comment to every live stream whose phase has come round, and the empty comment that
     * follows one: keeps proxies from closing idle streams and finds vanished clients.
     */
    private void heartbeats(long now, long heartbeatNanos, long probeNanos) {
        for (Broadcaster.Stream<Subscriber, Frame> stream : streams.streams()) {
            Subscriber subscriber = stream.attachment();
            if (!subscriber.live) {
                continue;
            }
            if (now - subscriber.heartbeatAt >= 0) {
                stream.offer(HEARTBEAT);
                subscriber.heartbeatAt = now + heartbeatNanos;
                subscriber.probeAt = now + probeNanos;
            } else if (subscriber.probeAt != NO_PROBE && now - subscriber.probeAt >= 0) {
                stream.offer(PROBE);
                subscriber.probeAt = NO_PROBE;
            }
        }
    }

    /** Told when events were dropped because the queue was full: resynchronise from {@code GET /interrupt/{id}}. */
    record Gap(long nextId, long droppedTotal) {}

    private String write(String name, Object body) {
        try {
            return json.writeValueAsString(
                    body instanceof InterruptResult result ? ApiBodies.InterruptResultBody.of(result) : body);
        } catch (RuntimeException e) {
            LOG.warn("event {} could not be written as JSON", name, e);
            return "{}";
        }
    }

    private Event record(String name, String hardwareId, Object body) {
        Event event = new Event(++lastId, name, hardwareId, body);
        if (recent.size() == settings.bufferSize()) {
            recent.removeFirst();
        }
        recent.addLast(event);
        return event;
    }

    private void deliver(Event event) {
        Iterable<Broadcaster.Stream<Subscriber, Frame>> followers =
                event.hardwareId() == null ? streams.streams() : streams.streamsFor(event.hardwareId());
        for (Broadcaster.Stream<Subscriber, Frame> stream : followers) {
            Subscriber subscriber = stream.attachment();
            if (subscriber.live && subscriber.lastSentId < event.id()) {
                send(subscriber, event);
            }
        }
    }

    /**
     * Sends what the stream missed, if it resumes, then lets it go live; its greeting is sent already. Its
     * first heartbeat comes at a random point of the first interval, so streams opened in one burst do not
     * share a phase.
     */
    private void replay(Subscriber subscriber, long heartbeatNanos) {
        if (subscriber.stream.ending()) {
            return;
        }
        if (subscriber.resumeAfter == null) {
            subscriber.lastSentId = lastId;
        } else {
            long oldest = recent.isEmpty() ? lastId + 1 : recent.peekFirst().id();
            boolean restarted = subscriber.resumeAfter > lastId; // ids of an earlier run of the service
            subscriber.lastSentId = restarted ? 0 : subscriber.resumeAfter;
            if (restarted || subscriber.resumeAfter + 1 < oldest) {
                sendGap(subscriber, oldest);
            }
            for (Event event : recent) {
                if (event.id() > subscriber.lastSentId && subscriber.wants(event)) {
                    send(subscriber, event);
                }
            }
        }
        subscriber.heartbeatAt = System.nanoTime() + ThreadLocalRandom.current().nextLong(1, heartbeatNanos + 1);
        subscriber.live = true;
    }

    /** Without an id, so the client's Last-Event-ID stays that of the last real event. */
    private void sendGap(Subscriber subscriber, long nextId) {
        subscriber.stream.offer(Frame.of(SseEmitter.event()
                .name(GAP)
                .data("{\"nextId\":" + nextId + ",\"droppedTotal\":" + dropped.get() + "}")));
    }

    /** A stream further than {@link #OUTBOX_LIMIT} frames behind is ended; it resumes with Last-Event-ID. */
    private void send(Subscriber subscriber, Event event) {
        subscriber.stream.offer(event.frame());
        subscriber.lastSentId = event.id();
    }

    private void wakeDispatcher() {
        Thread thread = dispatcher;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    private static void complete(SseEmitter emitter) {
        try {
            emitter.complete();
        } catch (RuntimeException ignored) {
            // the connection is gone either way
        }
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (dispatcher == null) {
            accepting = true;
            Thread thread = new Thread(this::run, "interrupt-events");
            thread.setDaemon(true);
            dispatcher = thread;
            thread.start();
        }
    }

    /** Completes every stream before the web server's graceful shutdown waits for open requests. */
    @Override
    public synchronized void stop() {
        Thread thread = dispatcher;
        if (thread == null) {
            return;
        }
        accepting = false;
        queue.clear();
        queue.offer(SHUTDOWN);
        wakeDispatcher();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        streams.shutdown(); // whatever the dispatcher could not finish, so graceful shutdown never waits for a stream
        senders.shutdown();
        dispatcher = null;
    }

    @Override
    public boolean isRunning() {
        return dispatcher != null;
    }

    /** Above the web server's graceful shutdown (MAX - 1024), which would otherwise wait for open streams. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 512;
    }
}
