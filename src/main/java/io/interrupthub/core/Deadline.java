package io.interrupthub.core;

import java.util.concurrent.atomic.AtomicLong;

/** A key in a time-ordered queue; the sequence number keeps equal instants apart. */
record Deadline(long atMillis, long seq) implements Comparable<Deadline> {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    static Deadline at(long atMillis) {
        return new Deadline(atMillis, SEQUENCE.incrementAndGet());
    }

    @Override
    public int compareTo(Deadline other) {
        int byTime = Long.compare(atMillis, other.atMillis);
        return byTime != 0 ? byTime : Long.compare(seq, other.seq);
    }
}
