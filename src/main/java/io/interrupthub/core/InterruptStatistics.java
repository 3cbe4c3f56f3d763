package io.interrupthub.core;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Counters the statistics snapshot and the metrics binder read; writes are contention-free adders. */
final class InterruptStatistics {

    static final int LATENCY_WINDOW = 1024;

    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder rejected = new LongAdder();

    private final Map<String, Map<ModuleOutcome, LongAdder>> perModule = new ConcurrentHashMap<>();
    private final AtomicLongArray recentNanos = new AtomicLongArray(LATENCY_WINDOW);
    private final AtomicLong recorded = new AtomicLong();

    /** Runs an interrupt or a pause; its refusal counts as a rejected interrupt. */
    <T> T counting(Supplier<T> request) {
        try {
            return request.get();
        } catch (InterruptHubException e) {
            rejected.increment();
            throw e;
        }
    }

    long total() {
        return succeeded.sum() + failed.sum() + coalesced.sum() + rejected.sum();
    }

    void record(InterruptResult result, long nanos) {
        (result.success() ? succeeded : failed).increment();
        for (ModuleResult module : result.modules()) {
            moduleCounters(module.module()).get(module.outcome()).increment();
        }
        long index = recorded.getAndIncrement();
        recentNanos.set((int) (index % LATENCY_WINDOW), nanos);
    }

    /** Interrupt requests by outcome, for metrics: success, failure, coalesced, rejected. */
    long requests(String outcome) {
        return switch (outcome) {
            case "success" -> succeeded.sum();
            case "failure" -> failed.sum();
            case "coalesced" -> coalesced.sum();
            case "rejected" -> rejected.sum();
            default -> throw new IllegalArgumentException("unknown interrupt outcome " + outcome);
        };
    }

    StatisticsSnapshot snapshot(
            InterruptSettings settings,
            ModuleRegistry registry,
            long activeFlags,
            int devices,
            SessionTracker sessions) {
        List<StatisticsSnapshot.ModuleStats> modules = registry.infos().stream()
                .map(m -> new StatisticsSnapshot.ModuleStats(
                        m.module(),
                        m.enabled(),
                        m.actions(),
                        moduleCount(m.module(), ModuleOutcome.OK),
                        moduleCount(m.module(), ModuleOutcome.FAILED),
                        moduleCount(m.module(), ModuleOutcome.TIMED_OUT),
                        moduleCount(m.module(), ModuleOutcome.DISABLED)))
                .toList();
        return new StatisticsSnapshot(
                settings.enabled(),
                new StatisticsSnapshot.Interrupts(
                        total(), succeeded.sum(), failed.sum(), coalesced.sum(), rejected.sum()),
                modules,
                new StatisticsSnapshot.Flags(activeFlags, devices),
                sessions.snapshot(),
                latency());
    }

    long moduleCount(String module, ModuleOutcome outcome) {
        Map<ModuleOutcome, LongAdder> counters = perModule.get(module);
        return counters == null ? 0 : counters.get(outcome).sum();
    }

    /** Drops the counters of a module that is no longer registered, so the map stays bounded by registrations. */
    void forget(String module) {
        perModule.remove(module);
    }

    StatisticsSnapshot.Latency latency() {
        int n = (int) Math.min(recorded.get(), LATENCY_WINDOW);
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = recentNanos.get(i);
        }
        Arrays.sort(values);
        if (n == 0) {
            return new StatisticsSnapshot.Latency(0, 0, 0, 0, 0);
        }
        double mean = Arrays.stream(values).average().orElse(0);
        return new StatisticsSnapshot.Latency(
                n,
                Durations.millis((long) mean),
                Durations.millis(percentile(values, 0.50)),
                Durations.millis(percentile(values, 0.99)),
                Durations.millis(values[n - 1]));
    }

    private static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(rank, sorted.length - 1))];
    }

    private Map<ModuleOutcome, LongAdder> moduleCounters(String module) {
        return perModule.computeIfAbsent(module, name -> {
            Map<ModuleOutcome, LongAdder> counters = new EnumMap<>(ModuleOutcome.class);
            for (ModuleOutcome outcome : ModuleOutcome.values()) {
                counters.put(outcome, new LongAdder());
            }
            return counters;
        });
    }
}
