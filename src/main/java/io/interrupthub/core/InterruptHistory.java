package io.interrupthub.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The most recent interrupts, oldest dropped first. One short lock per interrupt; readers copy. */
final class InterruptHistory {

    private final int capacity;
    private final ArrayDeque<InterruptResult> results;

    InterruptHistory(int capacity) {
        this.capacity = capacity;
        this.results = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    synchronized void add(InterruptResult result) {
        if (results.size() == capacity) {
            results.removeFirst();
        }
        results.addLast(result);
    }

    /** Newest first, optionally of one device. */
    synchronized List<InterruptResult> recent(String hardwareId, int limit) {
        List<InterruptResult> out = new ArrayList<>(Math.min(limit, results.size()));
        Iterator<InterruptResult> newestFirst = results.descendingIterator();
        while (newestFirst.hasNext() && out.size() < limit) {
            InterruptResult result = newestFirst.next();
            if (hardwareId == null || hardwareId.equals(result.hardwareId())) {
                out.add(result);
            }
        }
        return out;
    }

    synchronized int size() {
        return results.size();
    }
}
