package io.interrupthub.reference;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.interrupthub.autoconfigure.DaemonThreads;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Pause;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionState;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Streams a generated answer for a session as Server-Sent Events, word by word, the way a real
 * backend streams text: it fills the reference modules' buffers, reports what it delivered, stops the
 * moment the session's interrupt callback fires (not at its next tick), and then records in the
 * conversation memory only what was heard, inside a non-interruptible section.
 *
 * <p>A tentative interrupt holds the stream: no word is sent while the session is paused, a {@code paused}
 * {index, deliveredChars} event says where it stopped, and on resume a {@code resumed} event is followed by
 * the next word, so no word is lost or repeated.
 *
 * <p>Events: {@code chunk} {index, text, deliveredChars}; at the end either {@code interrupted}
 * {epoch, reason, deliveredChars, deliveredAudioMs, heard, stopLatencyMs, timeToSilenceMs} or {@code done}
 * {deliveredChars}. The stream is this pipeline's playback edge, so it confirms its own stop with a stop
 * receipt carrying what was heard, and the interrupt's time to silence is measured.
 */
final class ReferenceStreams implements SmartLifecycle {

    /** Audio the reference synthesiser makes per character, to report an audio offset too. */
    static final long AUDIO_MS_PER_CHAR = 60;

    record Chunk(int index, String text, long deliveredChars) {}

    record Interrupted(
            long epoch,
            String reason,
            long deliveredChars,
            long deliveredAudioMs,
            String heard,
            long stopLatencyMs,
            long timeToSilenceMs) {}

    record Done(long deliveredChars) {}

    /** Where a pause held the stream (or let it go on): the next word's index and what was sent. */
    record Held(int index, long deliveredChars, String outcome) {}

    private final InterruptManager manager;
    private final ReferenceModules.TextProcessing text;
    private final ReferenceModules.AudioGeneration audio;
    private final ReferenceModules.Memory memory;
    private final ReferenceModules.Database database;
    private final ReferenceProperties properties;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> streamingSessions = new ConcurrentHashMap<>();
    private volatile boolean running;

    ReferenceStreams(
            InterruptManager manager,
            ReferenceModules.TextProcessing text,
            ReferenceModules.AudioGeneration audio,
            ReferenceModules.Memory memory,
            ReferenceModules.Database database,
            ReferenceProperties properties,
            Clock clock) {
        this.manager = manager;
        this.text = text;
        this.audio = audio;
        this.memory = memory;
        this.database = database;
        this.properties = properties;
        this.clock = clock;
        this.scheduler = new ScheduledThreadPoolExecutor(2, DaemonThreads.named("reference-stream-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
    }

    SseEmitter stream(String sessionId, Integer rate) {
        if (rate != null && (rate < 1 || rate > 1000)) {
            throw new ResponseStatusException(
                    HttpStatus.BAD_REQUEST, "rate must be between 1 and 1000 chunks per second");
        }
        Session session = manager.session(sessionId)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no session " + sessionId));
        if (session.state() == SessionState.ENDED || session.state() == SessionState.EXPIRED) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "session " + sessionId + " has ended");
        }
        if (!running) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the service is shutting down");
        }
        if (streamingSessions.putIfAbsent(sessionId, Boolean.TRUE) != null) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "session " + sessionId + " is already streaming");
        }
        if (open.incrementAndGet() > properties.maxStreams()) {
            open.decrementAndGet();
            streamingSessions.remove(sessionId);
            throw new ResponseStatusException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    properties.maxStreams()
                            + " reference streams are open, the limit set by interrupt.reference.max-streams");
        }
        SseEmitter emitter = new SseEmitter(Duration.ofMinutes(10).toMillis());
        Stream stream = new Stream(session, emitter);
        streams.add(stream);
        emitter.onCompletion(stream::release);
        emitter.onTimeout(() -> stream.finish(null));
        emitter.onError(error -> stream.finish(null));
        database.cache(session.hardwareId(), "profile:" + session.hardwareId());
        int perSecond = rate == null ? properties.chunksPerSecond() : rate;
        stream.schedule(scheduler.scheduleAtFixedRate(stream::tick, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS));
        session.onInterrupt(stream::stop);
        // The resume callback first: a pause announced by the other would otherwise wait for a resume that
        // came between the two and called nobody.
        session.onResume(stream::resumed);
        session.onPause(stream::held);
        return emitter;
    }

    int openStreams() {
        return open.get();
    }

    private final class Stream {
        private final Session session;
        private final SseEmitter emitter;
        private final StringBuilder sent = new StringBuilder();
        private @Nullable ScheduledFuture<?> ticking;
        private int index;
        /** A "paused" event was sent and its "resumed" not yet: the stream holds until its resume callback. */
        private boolean heldAnnounced;

        private boolean finished;
        private boolean released;

        Stream(Session session, SseEmitter emitter) {
            this.session = session;
            this.emitter = emitter;
        }

        synchronized void schedule(ScheduledFuture<?> future) {
            ticking = future;
            if (finished) {
                future.cancel(false);
            }
        }

        synchronized void tick() {
            if (finished) {
                return;
            }
            if (session.isInterrupted()) {
                stop(session.interruptCause().orElseThrow());
                return;
            }
            if (session.isPaused() || heldAnnounced) {
                // Held: the word waits where it is. Once resumed it waits for the resume callback too, so the
                // "resumed" event names the word the stream goes on from and comes before it. A session ended
                // or expired while held gets no resume: its stream ends.
                if (!session.state().isOpen()) {
                    finish(null);
                }
                return;
            }
            if (index == properties.words()) {
                complete();
                return;
            }
            String word = ReferenceText.word(index);
            text.buffer(session.hardwareId(), word);
            audio.synthesise(session.hardwareId(), word.length() * AUDIO_MS_PER_CHAR);
            memory.draft(session.hardwareId(), word);
            try {
                emitter.send(
                        SseEmitter.event().name("chunk").data(new Chunk(index, word, sent.length() + word.length())));
            } catch (IOException | IllegalStateException gone) {
                finish(null);
                return;
            }
            sent.append(word);
            index++;
            session.reportDelivered(sent.length(), sent.length() * AUDIO_MS_PER_CHAR);
        }

        // Pause and resume callbacks run on a pool and may arrive out of order after a quick resume: each
        // event is sent only if it is still true, so the last one the client sees is the session's state.
        synchronized void held(Pause pause) {
            if (!finished && session.isPaused()) {
                send("paused", new Held(index, sent.length(), null));
                heldAnnounced = true;
            }
        }

        synchronized void resumed(Pause pause) {
            if (!finished && session.state() == SessionState.ACTIVE && heldAnnounced) {
                send("resumed", new Held(index, sent.length(), pause.outcome().tag()));
                heldAnnounced = false;
            }
        }

        /** The session's interrupt callback: stops now, whatever the tick rate. */
        synchronized void stop(InterruptCause cause) {
            if (finished) {
                return;
            }
            long chars =
                    session.deliveredAtInterrupt().orElse(session.delivered()).textChars();
            String heard = sent.substring(0, (int) Math.min(chars, sent.length()));
            memory.confirm(session.hardwareId(), heard);
            long latency = Math.max(0, clock.millis() - cause.at().toEpochMilli());
            // Nothing more is sent: the output is silent, and the stop receipt says what was heard.
            session.stopped(heard.length(), heard.length() * AUDIO_MS_PER_CHAR);
            long silence = session.stoppedAt()
                    .map(at -> Math.max(0, at.toEpochMilli() - cause.at().toEpochMilli()))
                    .orElse(latency);
            send(
                    "interrupted",
                    new Interrupted(
                            cause.epoch(),
                            cause.reason(),
                            heard.length(),
                            heard.length() * AUDIO_MS_PER_CHAR,
                            heard,
                            latency,
                            silence));
            finish(null);
        }

        private void complete() {
            // The whole answer was heard; record it without letting an interrupt cut the write in half.
            try (Session.Section ignored = session.nonInterruptible()) {
                memory.confirm(session.hardwareId(), sent.toString());
                text.done(session.hardwareId());
                audio.done(session.hardwareId());
            }
            send("done", new Done(sent.length()));
            session.stopped(); // the answer ended by itself: nothing plays any more
            finish(null);
        }

        private void send(String name, Object body) {
            try {
                emitter.send(SseEmitter.event().name(name).data(body));
            } catch (IOException | IllegalStateException gone) {
                // the client left; finishing below is all that is left to do
            }
        }

        synchronized void finish(@Nullable Throwable ignored) {
            if (!finished) {
                finished = true;
                if (ticking != null) {
                    ticking.cancel(false);
                }
                try {
                    emitter.complete();
                } catch (RuntimeException alreadyDone) {
                    // completed by the container already
                }
            }
            release();
        }

        synchronized void release() {
            if (!released) {
                released = true;
                finished = true;
                if (ticking != null) {
                    ticking.cancel(false);
                }
                streams.remove(this);
                streamingSessions.remove(session.sessionId());
                open.decrementAndGet();
            }
        }
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        for (Stream stream : streams) {
            stream.finish(null);
        }
        scheduler.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Ends streams before the web server's graceful shutdown (MAX - 1024) waits for open requests. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 512;
    }
}
