package io.interrupthub.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;

/** The most recent interrupts, oldest dropped first. One short lock per interrupt; readers copy. */
final class InterruptHistory {

    /** A kept result; replaced in place when its silence resolves. Guarded by the history's lock. */
    private static final class Entry {
        InterruptResult result;

        Entry(InterruptResult result) {
            this.result = result;
        }
    }

    private final int capacity;
    private final ArrayDeque<Entry> results;

    InterruptHistory(int capacity) {
        this.capacity = capacity;
        this.results = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    synchronized void add(InterruptResult result) {
        if (results.size() == capacity) {
            results.removeFirst();
        }
        results.addLast(new Entry(result));
    }

    /**
     * Changes the kept result of the device's interrupt {@code epoch}, if it is still kept. Searched from
     * the newest: a result changes only within the silence deadline of its interrupt.
     */
    synchronized void update(String hardwareId, long epoch, UnaryOperator<InterruptResult> change) {
        Iterator<Entry> newestFirst = results.descendingIterator();
        while (newestFirst.hasNext()) {
            Entry entry = newestFirst.next();
            if (entry.result.epoch() == epoch && entry.result.hardwareId().equals(hardwareId)) {
                entry.result = change.apply(entry.result);
                return;
            }
        }
    }

    /** Newest first, optionally of one device. */
    synchronized List<InterruptResult> recent(String hardwareId, int limit) {
        List<InterruptResult> out = new ArrayList<>(Math.min(limit, results.size()));
        Iterator<Entry> newestFirst = results.descendingIterator();
        while (newestFirst.hasNext() && out.size() < limit) {
            InterruptResult result = newestFirst.next().result;
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
