package io.interrupthub;

import java.util.concurrent.atomic.LongAdder;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;

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
     * Appending threads take this lock only around the in-memory check and offer, never around I/O. With
     * producers serialised, a queue seen with room still has room at the offer (the writer only takes
     * lines out), so a line is either queued or counted, never lost uncounted.
     */
    private final Object offers = new Object();

    private final boolean wasAdditive;

    InterruptLogQueue(int capacity, boolean wasAdditive) {
        this.wasAdditive = wasAdditive;
        setName(NAME);
        setQueueSize(capacity);
        setNeverBlock(true);
        setDiscardingThreshold(0); // drop nothing by level; only a full queue turns a line away
        setIncludeCallerData(false);
    }

    @Override
    protected void append(ILoggingEvent event) {
        preprocess(event); // formats the line outside the lock; Logback's own call inside append is then cheap
        synchronized (offers) {
            if (getRemainingCapacity() == 0) {
                dropped.increment();
                return;
            }
            super.append(event);
        }
    }

    /** Whether the interrupt logger wrote to its ancestors' appenders before the queue took that over. */
    boolean wasAdditive() {
        return wasAdditive;
    }

    /** Lines turned away because the queue was full, since start. */
    long dropped() {
        return dropped.sum();
    }
}
