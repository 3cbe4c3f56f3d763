package io.interrupthub.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.interrupthub.core.Commit;
import io.interrupthub.core.InstanceOutcome;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The acknowledgements of this instance's interrupts: which instances each one waits for, what they
 * answered, and the deadline after which the missing ones are named as not acknowledged. Also writes
 * this instance's own answers to other origins' interrupts.
 */
final class Acknowledgements {

    private static final TypeReference<List<Commit>> COMMITS = new TypeReference<>() {};
    private static final TypeReference<List<ModuleResult>> MODULES = new TypeReference<>() {};
    private static final int ACK_STREAM_LENGTH = 10_000;

    private final ConcurrentHashMap<String, PendingAcks> pending = new ConcurrentHashMap<>();
    private final ClusterSettings settings;
    private final JsonMapper json;
    /** Deadlines only: nothing on it ever waits on Redis. */
    private final ScheduledExecutorService timers;

    private final LongAdder missing;

    Acknowledgements(ClusterSettings settings, JsonMapper json, ScheduledExecutorService timers, LongAdder missing) {
        this.settings = settings;
        this.json = json;
        this.timers = timers;
        this.missing = missing;
    }

    /**
     * Starts waiting for the acknowledgements of interrupt {@code id}, before it is announced (an
     * acknowledgement may come back before the announcement's answer); null when too many already wait.
     */
    PendingAcks open(String id) {
        if (pending.size() >= settings.maxPending()) {
            return null;
        }
        PendingAcks acks = new PendingAcks();
        pending.put(id, acks);
        return acks;
    }

    /** The announcement failed: nobody waits for its acknowledgements. */
    void cancel(String id) {
        pending.remove(id);
    }

    /** The announcement reached these instances: complete once they all answered, or at the deadline. */
    CompletableFuture<List<InstanceOutcome>> expect(String id, PendingAcks acks, List<String> instances) {
        acks.expect(instances);
        if (acks.complete()) {
            finish(id);
        }
        timers.schedule(() -> finish(id), settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return acks.future;
    }

    /** An answer read from this instance's acknowledgement stream. */
    void received(Map<String, String> ack) {
        PendingAcks acks = pending.get(ack.getOrDefault("id", ""));
        if (acks == null) {
            return; // late, or for an interrupt replayed after an outage: nobody waits for it
        }
        List<ModuleResult> modules;
        try {
            modules = json.readValue(ack.getOrDefault("modules", "[]"), MODULES);
        } catch (RuntimeException e) {
            modules = List.of();
        }
        List<Commit> committed;
        try {
            committed = json.readValue(ack.getOrDefault("committed", "[]"), COMMITS);
        } catch (RuntimeException e) {
            committed = List.of();
        }
        acks.record(new InstanceOutcome(
                ack.get("instance"),
                true,
                Boolean.parseBoolean(ack.get("success")),
                Integer.parseInt(ack.getOrDefault("sessions", "0")),
                Double.parseDouble(ack.getOrDefault("durationMs", "0")),
                modules,
                committed));
        if (acks.complete()) {
            finish(ack.get("id"));
        }
    }

    /** Leaving the cluster: every interrupt still waiting completes with what it has. */
    void finishAll() {
        pending.keySet().forEach(this::finish);
    }

    /** The arguments of {@link ClusterScripts#ACK} answering interrupt {@code id}; a null result failed here. */
    Object[] answer(String id, InterruptResult result) {
        List<String> args = new ArrayList<>(List.of(
                Integer.toString(ACK_STREAM_LENGTH),
                Long.toString(Math.max(1, settings.ackTimeout().multipliedBy(10).toMillis())),
                "id",
                id,
                "instance",
                settings.instance()));
        if (result != null) {
            // Only this instance's part: a signal that joined a local interrupt still waiting on its own
            // peers must not report (or wait for) their outcomes.
            boolean success = result.modules().stream()
                    .allMatch(m -> m.outcome() == ModuleOutcome.OK || m.outcome() == ModuleOutcome.DISABLED);
            int sessions = result.sessionsInterrupted()
                    - result.instances().stream()
                            .mapToInt(InstanceOutcome::sessionsInterrupted)
                            .sum();
            args.addAll(List.of(
                    "success",
                    Boolean.toString(success),
                    "sessions",
                    Integer.toString(sessions),
                    "durationMs",
                    Double.toString(result.durationMs()),
                    "modules",
                    json.writeValueAsString(result.modules()),
                    // Only this instance's sessions' commits, for the same reason.
                    "committed",
                    json.writeValueAsString(result.committed().stream()
                            .filter(c -> result.instances().stream()
                                    .noneMatch(i -> i.committed().contains(c)))
                            .toList())));
        } else {
            args.addAll(List.of("success", "false", "sessions", "0", "durationMs", "0", "modules", "[]"));
        }
        return args.toArray();
    }

    private void finish(String id) {
        PendingAcks acks = pending.remove(id);
        if (acks != null) {
            acks.finish(missing);
        }
    }

    /** Acknowledgements of one interrupt: complete when every expected instance answered or at the timeout. */
    static final class PendingAcks {
        final CompletableFuture<List<InstanceOutcome>> future = new CompletableFuture<>();
        private final Map<String, InstanceOutcome> outcomes = new ConcurrentHashMap<>();
        private volatile List<String> expected;

        void expect(List<String> instances) {
            expected = instances;
        }

        void record(InstanceOutcome outcome) {
            outcomes.put(outcome.instance(), outcome);
        }

        boolean complete() {
            List<String> wanted = expected;
            return wanted != null && outcomes.keySet().containsAll(wanted);
        }

        /** Counts the instances that did not acknowledge, then completes the future. */
        void finish(LongAdder missing) {
            List<String> wanted = expected == null ? List.of() : expected;
            List<InstanceOutcome> all = wanted.stream()
                    .map(instance -> outcomes.getOrDefault(instance, InstanceOutcome.unacknowledged(instance)))
                    .toList();
            missing.add(all.stream().filter(o -> !o.acknowledged()).count());
            // Off the reader and timer threads: what follows (statistics, listeners, callers) must not slow them.
            future.completeAsync(() -> all);
        }
    }
}
