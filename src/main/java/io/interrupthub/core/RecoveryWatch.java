package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Watches the turn after each interrupt made here: the first delivery of a session of the next turn recovers it;
 * the recovery deadline passing first misses it; another interrupt of the device supersedes it. One awaited
 * recovery per device. Every interrupt has the same deadline, so the deadlines are due in the order the interrupts
 * began and a FIFO queue orders them; it holds at most the interrupts of the last deadline, and never more than
 * {@code capacity} (an interrupt beyond that is not watched).
 */
final class RecoveryWatch {

    /** One interrupt's wait for its next turn; resolved once, by whoever takes it off the device's slot. */
    static final class Awaited {
        final String hardwareId;
        /** Sessions of the next turn have at least this epoch (the local number: a cluster's is higher). */
        final long turnEpoch;

        final Instant interruptedAt;
        final long deadlineMillis;
        /** Guarded by this, as are the two below. */
        private long epoch;

        private RecoveryReport report;
        /** Where the interrupt's result is kept once recorded, to carry the resolution there too. */
        private Consumer<UnaryOperator<InterruptResult>> recordedIn;

        Awaited(InterruptCause cause, long deadlineMillis) {
            this.hardwareId = cause.hardwareId();
            this.turnEpoch = cause.epoch();
            this.epoch = cause.epoch();
            this.interruptedAt = cause.at();
            this.deadlineMillis = deadlineMillis;
            this.report = new RecoveryReport(hardwareId, epoch, RecoveryOutcome.PENDING, interruptedAt, null, null);
        }

        /** The cluster numbered the interrupt {@code clusterEpoch}. */
        synchronized void renumber(long clusterEpoch) {
            epoch = clusterEpoch;
            report = new RecoveryReport(
                    hardwareId, epoch, report.outcome(), interruptedAt, report.recoveredMs(), report.sessionId());
        }

        /** Adds the recovery to the interrupt's result and keeps it with {@code add}; a later resolution updates it. */
        synchronized InterruptResult record(
                InterruptResult result,
                Consumer<InterruptResult> add,
                Consumer<UnaryOperator<InterruptResult>> update) {
            InterruptResult withRecovery = result.withRecovery(report);
            add.accept(withRecovery);
            recordedIn = update;
            return withRecovery;
        }

        private synchronized RecoveryReport resolve(RecoveryOutcome outcome, Instant at, String sessionId) {
            Double ms = outcome == RecoveryOutcome.RECOVERED
                    ? Durations.millis(Duration.between(interruptedAt, at).toNanos())
                    : null;
            report = new RecoveryReport(hardwareId, epoch, outcome, interruptedAt, ms, sessionId);
            if (recordedIn != null) {
                RecoveryReport resolved = report;
                recordedIn.accept(r -> r.withRecovery(resolved));
            }
            return report;
        }
    }

    private final Duration deadline;
    private final int capacity;
    /** Told of every resolution, outside every lock. */
    private final Consumer<RecoveryReport> resolved;

    private final ConcurrentHashMap<String, Awaited> byDevice = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Awaited> byDeadline = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();

    RecoveryWatch(Duration deadline, int capacity, Consumer<RecoveryReport> resolved) {
        this.deadline = deadline;
        this.capacity = capacity;
        this.resolved = resolved;
    }

    /**
     * Starts watching the turn after {@code cause}, an interrupt made here that began a new turn. Called under the
     * device's lock, so a delivery of the next turn cannot come before it. Puts the recovery it supersedes in
     * {@code superseded[0]}, for {@link #supersede} after the lock; returns null when the watch is full.
     */
    Awaited expect(InterruptCause cause, Awaited[] superseded) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            superseded[0] = byDevice.remove(cause.hardwareId());
            return null;
        }
        Awaited awaited = new Awaited(cause, cause.at().toEpochMilli() + deadline.toMillis());
        byDeadline.add(awaited);
        superseded[0] = byDevice.put(cause.hardwareId(), awaited);
        return awaited;
    }

    /** After the lock: the recovery {@link #expect} replaced ends superseded. */
    void supersede(Awaited previous, Instant at) {
        if (previous != null) {
            resolved.accept(previous.resolve(RecoveryOutcome.SUPERSEDED, at, null));
        }
    }

    /** A session delivered output; the first delivery of a turn after an awaited interrupt recovers it. */
    void delivered(Session session, Instant at) {
        if (byDevice.isEmpty()) {
            return; // the usual case: one read, nothing awaited
        }
        Awaited awaited = byDevice.get(session.hardwareId());
        if (awaited != null
                && session.epoch() >= awaited.turnEpoch
                && at.toEpochMilli() <= awaited.deadlineMillis // a later one is the sweep's to miss
                && !session.createdAt().isBefore(awaited.interruptedAt)
                && byDevice.remove(session.hardwareId(), awaited)) {
            resolved.accept(awaited.resolve(RecoveryOutcome.RECOVERED, at, session.sessionId()));
        }
    }

    /** Misses every recovery whose deadline has passed. One sweeper at a time (the manager's sweep is synchronized). */
    void sweep(Instant now) {
        long nowMillis = now.toEpochMilli();
        Awaited head;
        while ((head = byDeadline.peek()) != null && head.deadlineMillis <= nowMillis) {
            byDeadline.poll();
            queued.decrementAndGet();
            if (byDevice.remove(head.hardwareId, head)) {
                resolved.accept(head.resolve(RecoveryOutcome.MISSED, now, null));
            }
        }
    }

    /** Interrupts whose next turn is still awaited. */
    int awaited() {
        return byDevice.size();
    }
}
