package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How long the single thread that empties a queue waits, once an item has woken it, before it takes what came
 * after. A thread waiting on a queue is woken by every item that finds it waiting: a system call and a context
 * switch on the request thread that offered it, and as much again on the thread woken. At the interrupt rates of
 * docs/BENCHMARKS.md that was most of what the interrupt log line and the event stream's dispatcher cost an
 * interrupt (issue 24). A thread that pauses briefly instead is not waiting on the queue, so the items offered
 * meanwhile wake nobody, and it takes them all at once afterwards: one wake-up per pause instead of one per item.
 *
 * <p>The pause is short enough that a queue cannot fill during it: it is at most {@link #LONGEST_NANOS} (5 ms), and
 * at most the time {@link #FASTEST_PER_SECOND} items a second take to fill a quarter of the queue's capacity, several
 * times the fastest this service produces them. Only for work nobody waits on: the consumer of an item that someone
 * waits for (a live event stream) must not pause.
 */
public final class QueueLinger {

    /** The longest pause: a log line or a buffered event is at most this much later. */
    static final long LONGEST_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Items a second assumed at most, to size the pause for a small queue. */
    static final long FASTEST_PER_SECOND = 100_000;

    private final long nanos;

    QueueLinger(long nanos) {
        this.nanos = nanos;
    }

    /** The pause for a queue of {@code capacity} items. */
    public static QueueLinger forCapacity(int capacity) {
        long quarterFills = TimeUnit.SECONDS.toNanos(Math.max(1, capacity / 4)) / FASTEST_PER_SECOND;
        return new QueueLinger(Math.min(LONGEST_NANOS, quarterFills));
    }

    /** A pause of a length of one's own, for a consumer that knows its queue's rate (and for tests). */
    public static QueueLinger of(Duration pause) {
        return new QueueLinger(pause.toNanos());
    }

    /** The pause, in nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /**
     * Pauses the calling thread. Ends early if the thread is unparked ({@link LockSupport#unpark}) or interrupted;
     * an interrupt stays set, for the caller's next wait on the queue to see.
     */
    public void pause() {
        LockSupport.parkNanos(this, nanos);
    }
}
