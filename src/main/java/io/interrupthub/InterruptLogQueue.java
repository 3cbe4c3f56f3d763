package io.interrupthub;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.interrupthub.autoconfigure.QueueLinger;
import org.jspecify.annotations.Nullable;

/**
 * The bounded queue between the per-interrupt log line and the appenders that write it: Logback's own
 * {@link AsyncAppender}, set never to block, with every line it turns away counted. Logback drops silently
 * when its queue is full (and, by default, drops INFO lines already at 80 %); here nothing is dropped by
 * level and each line that finds the queue full is counted, so an operator sees in a metric what the log lacks.
 */
final class InterruptLogQueue extends AsyncAppender {

    static final String NAME = "INTERRUPT_LOG_QUEUE";

    private final LongAdder dropped = new LongAdder();

    /**
     * Lines that may still be queued: taken by an appending thread before it offers its line, given back by the
     * writer as it takes each line on. It never counts more room than Logback's queue has (the writer empties the
     * queue before it gives the room back), so a line that got room is queued, and a line that got none is counted:
     * never lost uncounted, and with no lock of its own. A lock around the check and the offer serialised every
     * request thread that logged; under load they queued for it (issue 24).
     */
    private final AtomicInteger room;

    private final boolean wasAdditive;
    private final int capacity;
    private final QueueLinger linger;

    /**
     * @param linger the writer's pause after the last line it holds
     * @param parent the logger whose appenders write the lines (the interrupt logger's parent, as Logback would
     *     have without the queue), or null to write them nowhere
     */
    InterruptLogQueue(
            LoggerContext context, int capacity, QueueLinger linger, boolean wasAdditive, @Nullable Logger parent) {
        this.wasAdditive = wasAdditive;
        this.room = new AtomicInteger(capacity);
        this.capacity = capacity;
        this.linger = linger;
        setContext(context);
        setName(NAME);
        setQueueSize(capacity);
        setNeverBlock(true);
        setDiscardingThreshold(0); // drop nothing by level; only a full queue turns a line away
        setIncludeCallerData(false);
        addAppender(new Writer(context, parent));
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!takeRoom()) {
            dropped.increment();
            return;
        }
        super.append(event); // formats the line (preprocess) on this thread and queues it: room was there
    }

    private boolean takeRoom() {
        int left = room.get();
        while (left > 0) {
            int seen = room.compareAndExchange(left, left - 1);
            if (seen == left) {
                return true;
            }
            left = seen;
        }
        return false;
    }

    /** Whether the interrupt logger wrote to its ancestors' appenders before the queue took that over. */
    boolean wasAdditive() {
        return wasAdditive;
    }

    /** Lines turned away because the queue was full, since start. */
    long dropped() {
        return dropped.sum();
    }

    /**
     * The queue's writer: gives the line's room back, then hands the line to the appenders of the interrupt logger's
     * ancestors, as Logback would have without the queue. The queue stops the appender attached to it when it stops;
     * root's console is not the queue's to stop, so only this forwarder is attached.
     *
     * <p>After the last line it holds, it pauses briefly ({@link QueueLinger}) before Logback's worker waits on the
     * queue again: waiting there, it was woken by every line, which cost each interrupt a system call on its request
     * thread and a context switch (issue 24). The lines logged during the pause wake nobody and are written together
     * after it. Stopping the queue ends the pause, and what is queued is written.
     */
    private final class Writer extends UnsynchronizedAppenderBase<ILoggingEvent> {

        private final @Nullable Logger parent;

        Writer(LoggerContext context, @Nullable Logger parent) {
            this.parent = parent;
            setContext(context);
            setName("INTERRUPT_LOG_TO_ANCESTORS");
            start();
        }

        @Override
        protected void append(ILoggingEvent event) {
            boolean last = room.incrementAndGet() == capacity;
            if (parent != null) {
                parent.callAppenders(event);
            }
            if (last) {
                linger.pause();
                // Logback stops its worker by marking the queue stopped, then interrupting the worker; its loop ends on
                // the mark and writes what is still queued. Interrupted here rather than in its own wait, the worker
                // would write those lines with the interrupt set, which an appender writing to a channel or a socket
                // fails on: cleared, as Logback's wait clears it.
                Thread.interrupted();
            }
        }
    }
}
