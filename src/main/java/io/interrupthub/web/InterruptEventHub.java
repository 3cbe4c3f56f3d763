package io.interrupthub.web;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.interrupthub.autoconfigure.DaemonThreads;
import io.interrupthub.autoconfigure.InterruptProperties;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SilenceReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pushes interrupt and session events to Server-Sent Events subscribers.
 *
 * <p>Publishing costs the interrupting thread one queue offer. A single dispatcher thread numbers the
 * events, keeps the most recent in a bounded buffer, serialises each once (when a stream first needs it) and writes it to every
 * matching stream, so ids are ordered and a reconnecting client that sends {@code Last-Event-ID} gets
 * exactly what it missed (or a {@code gap} event when the buffer no longer holds it). A new stream is
 * replayed by the same thread before it goes live, so nothing is sent twice or out of order. Writing is
 * done by sender threads from a bounded outbox per stream, so a client that stops reading delays nobody.
 */
final class InterruptEventHub implements InterruptListener, SmartLifecycle {

    static final String INTERRUPT = "interrupt";
    static final String INTERRUPT_RESULT = "interrupt-result";
    static final String SESSION = "session";
    static final String SILENCE = "silence";
    static final String GAP = "gap";

    private static final Logger LOG = LoggerFactory.getLogger(InterruptEventHub.class);
    private static final Object SHUTDOWN = new Object();
    private static final int SENDER_THREADS = 8;
    /** Frames one stream may have waiting; a client this far behind is dropped and resumes with Last-Event-ID. */
    static final int OUTBOX_LIMIT = 1024;

    /** Sent at the start of an interrupt: the earliest a worker can know it, before modules are called. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterruptStarted(String hardwareId, long epoch, String reason, String source, Instant at,
                            List<String> sessionIds) {
    }

    private record Pending(String name, String hardwareId, Object body) {
    }

    /**
     * A numbered event. Its JSON is written the first time a stream needs it, live or on replay, so with
     * no stream open an interrupt costs no serialisation; only the dispatcher thread touches events.
     */
    private final class Event {
        private final long id;
        private final String name;
        private final String hardwareId;
        private Object body;
        private String json;

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

        String json() {
            if (json == null) {
                json = write(name, body);
                body = null;
            }
            return json;
        }
    }

    private static final class Subscriber {
        final SseEmitter emitter;
        final String hardwareId;
        final Long resumeAfter;
        /** Frames waiting to be written, in order; written by one sender task at a time. */
        final Queue<SseEmitter.SseEventBuilder> outbox = new ConcurrentLinkedQueue<>();
        final AtomicInteger queued = new AtomicInteger();
        final AtomicBoolean draining = new AtomicBoolean();
        /** Set when the stream is dropped; its sender completes it once no write is in progress. */
        volatile boolean closing;
        // Dispatcher thread only.
        long lastSentId;
        boolean live;

        Subscriber(SseEmitter emitter, String hardwareId, Long resumeAfter) {
            this.emitter = emitter;
            this.hardwareId = hardwareId;
            this.resumeAfter = resumeAfter;
        }

        boolean wants(Event event) {
            return event.hardwareId() == null || hardwareId == null || hardwareId.equals(event.hardwareId());
        }
    }

    private final JsonMapper json;
    private final InterruptProperties.Events settings;
    private final BlockingQueue<Object> queue;
    private final ArrayDeque<Event> recent;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /**
     * Writes frames to the streams. Servlet writes block, so a client that stops reading holds one of
     * these threads until its outbox overflows and it is dropped; the dispatcher and the other streams
     * never wait for it.
     */
    private final ThreadPoolExecutor senders = new ThreadPoolExecutor(SENDER_THREADS, SENDER_THREADS, 30,
            TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreads.named("interrupt-events-send-"));
    private volatile boolean gapPending;
    private volatile boolean accepting;
    private volatile Thread dispatcher;
    private long lastId;

    InterruptEventHub(JsonMapper json, InterruptProperties.Events settings) {
        this.json = json;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.recent = new ArrayDeque<>(Math.min(settings.bufferSize(), 4096));
    }

    // ---- subscribing ---------------------------------------------------------------------------

    SseEmitter subscribe(String hardwareId, Long lastEventId) {
        if (!accepting) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the event stream is shutting down");
        }
        if (open.incrementAndGet() > settings.maxStreams()) {
            open.decrementAndGet();
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, settings.maxStreams()
                    + " event streams are open, the limit set by interrupt.events.max-streams");
        }
        SseEmitter emitter = new SseEmitter(settings.streamTimeout().toMillis());
        Subscriber subscriber = new Subscriber(emitter, hardwareId, lastEventId);
        emitter.onCompletion(() -> remove(subscriber));
        emitter.onTimeout(() -> {
            remove(subscriber);
            emitter.complete(); // a normal end: the client reconnects and resumes
        });
        emitter.onError(error -> remove(subscriber));
        subscribers.add(subscriber);
        if (!accepting) { // stop() may have run between the first check and the add
            remove(subscriber);
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the event stream is shutting down");
        }
        if (!queue.offer(subscriber)) {
            remove(subscriber);
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the event stream is overloaded");
        }
        return emitter;
    }

    int openStreams() {
        return open.get();
    }

    long droppedEvents() {
        return dropped.get();
    }

    private void remove(Subscriber subscriber) {
        if (subscribers.remove(subscriber)) {
            open.decrementAndGet();
        }
    }

    // ---- publishing (any thread) ---------------------------------------------------------------

    @Override
    public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
        publish(new Pending(INTERRUPT, cause.hardwareId(), new InterruptStarted(cause.hardwareId(), cause.epoch(),
                cause.reason(), cause.source(), cause.at(), sessionIds)));
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        publish(new Pending(INTERRUPT_RESULT, result.hardwareId(), ApiBodies.InterruptResultBody.of(result)));
    }

    @Override
    public void silenceResolved(SilenceReport silence) {
        publish(new Pending(SILENCE, silence.hardwareId(), ApiBodies.SilenceBody.of(silence)));
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
        long nextHeartbeat = System.nanoTime() + heartbeatNanos;
        try {
            while (true) {
                Object item = queue.poll(Math.max(0, nextHeartbeat - System.nanoTime()), TimeUnit.NANOSECONDS);
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
                    replay(subscriber);
                }
                if (System.nanoTime() - nextHeartbeat >= 0) {
                    heartbeat();
                    nextHeartbeat = System.nanoTime() + heartbeatNanos;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            completeAll();
        }
    }

    private void completeAll() {
        for (Subscriber subscriber : subscribers) {
            drop(subscriber);
        }
    }

    /** Told when events were dropped because the queue was full: resynchronise from {@code GET /interrupt/{id}}. */
    record Gap(long nextId, long droppedTotal) {
    }

    private String write(String name, Object body) {
        try {
            return json.writeValueAsString(body);
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
        for (Subscriber subscriber : subscribers) {
            if (subscriber.live && subscriber.wants(event) && subscriber.lastSentId < event.id()) {
                send(subscriber, event);
            }
        }
    }

    private void replay(Subscriber subscriber) {
        if (!subscribers.contains(subscriber)) {
            return;
        }
        enqueue(subscriber, SseEmitter.event().comment("connected"));
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
        subscriber.live = true;
    }

    /** Without an id, so the client's Last-Event-ID stays that of the last real event. */
    private void sendGap(Subscriber subscriber, long nextId) {
        enqueue(subscriber, SseEmitter.event().name(GAP)
                .data("{\"nextId\":" + nextId + ",\"droppedTotal\":" + dropped.get() + "}"));
    }

    private void heartbeat() {
        for (Subscriber subscriber : subscribers) {
            if (subscriber.live) {
                enqueue(subscriber, SseEmitter.event().comment("heartbeat"));
            }
        }
    }

    private void send(Subscriber subscriber, Event event) {
        enqueue(subscriber, SseEmitter.event().id(Long.toString(event.id())).name(event.name()).data(event.json()));
        subscriber.lastSentId = event.id();
    }

    /** Hands a frame to the stream's outbox and makes sure one sender task is draining it. */
    private void enqueue(Subscriber subscriber, SseEmitter.SseEventBuilder frame) {
        if (subscriber.queued.incrementAndGet() > OUTBOX_LIMIT) {
            drop(subscriber); // too far behind: it resumes with Last-Event-ID or is told of the gap
            return;
        }
        subscriber.outbox.add(frame);
        if (subscriber.draining.compareAndSet(false, true)) {
            senders.execute(() -> drain(subscriber));
        }
    }

    private void drain(Subscriber subscriber) {
        while (true) {
            if (subscriber.closing) {
                subscriber.outbox.clear();
                complete(subscriber.emitter);
                return; // draining stays set: nothing more is written to this stream
            }
            SseEmitter.SseEventBuilder frame = subscriber.outbox.poll();
            if (frame == null) {
                subscriber.draining.set(false);
                // A frame added between the poll and the reset must not wait for the next one.
                if (subscriber.outbox.isEmpty() || !subscriber.draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            subscriber.queued.decrementAndGet();
            try {
                subscriber.emitter.send(frame);
            } catch (IOException | IllegalStateException e) {
                remove(subscriber);
                subscriber.closing = true;
            }
        }
    }

    /**
     * Ends a stream without waiting for it: completing an emitter waits for a write in progress, and the
     * write to a client that stopped reading may block for a long time. Its sender completes it instead.
     */
    private void drop(Subscriber subscriber) {
        remove(subscriber);
        subscriber.closing = true;
        if (subscriber.draining.compareAndSet(false, true)) {
            senders.execute(() -> drain(subscriber));
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
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        completeAll(); // whatever the dispatcher could not finish, so graceful shutdown never waits for a stream
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
