package io.interrupthub.reliability;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what the reliability suite actually ran (generated cases, tries, steps, requests), so
 * docs/RELIABILITY.md quotes real numbers. Each family prints its own line at the end of its class:
 * {@code [reliability] family: key=value ...}; grep the test output for {@code [reliability]}.
 */
final class Tally {

    private static final Map<String, Map<String, AtomicLong>> COUNTS = new ConcurrentHashMap<>();

    private Tally() {}

    static void add(String family, String key, long n) {
        COUNTS.computeIfAbsent(family, f -> new ConcurrentHashMap<>())
                .computeIfAbsent(key, k -> new AtomicLong())
                .addAndGet(n);
    }

    static void inc(String family, String key) {
        add(family, key, 1);
    }

    /** Prints and keeps the counts of one family. */
    static void print(String family) {
        Map<String, AtomicLong> counts = COUNTS.get(family);
        StringBuilder line = new StringBuilder("[reliability] ").append(family).append(':');
        if (counts == null) {
            line.append(" (nothing ran)");
        } else {
            new TreeMap<>(counts)
                    .forEach((k, v) -> line.append(' ').append(k).append('=').append(v.get()));
        }
        System.out.println(line);
    }
}
