package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The silence of one interrupt: the sessions it marked that have not yet said their output is quiet.
 * Resolved once, to {@code CONFIRMED} by the last stop receipt or to {@code MISSED} by the deadline,
 * whichever comes first; later receipts change nothing. All state is guarded by this object's monitor.
 */
final class InterruptSilence {

    final String hardwareId;
    /** The interrupt's epoch; the cluster's number once it gave one ({@link #renumber}). Guarded by this. */
    private long epoch;

    private final Instant startedAt;
    final long deadlineMillis;
    /** False when the interrupt marked no session here: silent at once, nothing to measure or count. */
    final boolean measured;

    private final Set<String> pending = new LinkedHashSet<>();
    /** Offsets the edge reported with its receipts: what was really heard, for the result's deliveries. */
    private final Map<String, Delivered> heard = new HashMap<>();

    private Instant lastStop;
    private SilenceState state = SilenceState.PENDING;
    private List<String> missed = List.of();
    private final CompletableFuture<SilenceReport> outcome = new CompletableFuture<>();
    /** Where the interrupt's result is kept once recorded, to carry the resolution there too. */
    private Consumer<UnaryOperator<InterruptResult>> recordedIn;
    /** Its entry in the watch's deadline queue. */
    Deadline key;

    InterruptSilence(InterruptCause cause, List<Session> marked, Duration deadline) {
        this.hardwareId = cause.hardwareId();
        this.epoch = cause.epoch();
        this.startedAt = cause.at();
        this.deadlineMillis = cause.at().toEpochMilli() + deadline.toMillis();
        this.measured = !marked.isEmpty();
        this.lastStop = startedAt;
        for (Session session : marked) {
            Instant stopped = session.stoppedAt().orElse(null);
            if (stopped == null) {
                pending.add(session.sessionId());
            }
        }
        if (pending.isEmpty()) {
            state = SilenceState.CONFIRMED;
            outcome.complete(reportLocked());
        }
    }

    /** The cluster numbered the interrupt {@code clusterEpoch}: reports from now on say so. */
    synchronized void renumber(long clusterEpoch) {
        epoch = clusterEpoch;
    }

    CompletableFuture<SilenceReport> outcome() {
        return outcome;
    }

    synchronized SilenceReport report() {
        return reportLocked();
    }

    synchronized boolean resolved() {
        return state != SilenceState.PENDING;
    }

    /**
     * A session of this interrupt went quiet at {@code at}. Returns the report when that resolved the
     * silence (confirmed, or missed because the receipt came after the deadline), else null.
     */
    synchronized SilenceReport confirm(String sessionId, Instant at, Delivered offsets) {
        if (state != SilenceState.PENDING || !pending.contains(sessionId)) {
            return null;
        }
        if (offsets != null) {
            heard.put(sessionId, offsets);
            if (recordedIn != null) {
                recordedIn.accept(r -> r.withDelivered(sessionId, offsets));
            }
        }
        if (at.toEpochMilli() > deadlineMillis) {
            return resolveLocked(SilenceState.MISSED);
        }
        pending.remove(sessionId);
        if (at.isAfter(lastStop)) {
            lastStop = at;
        }
        if (pending.isEmpty()) {
            return resolveLocked(SilenceState.CONFIRMED);
        }
        if (recordedIn != null) {
            SilenceReport stillPending = reportLocked();
            recordedIn.accept(r -> r.withSilence(stillPending));
        }
        return null;
    }

    /** The deadline passed: returns the report when that resolved the silence as missed, else null. */
    synchronized SilenceReport expire(long nowMillis) {
        if (state != SilenceState.PENDING || nowMillis < deadlineMillis) {
            return null;
        }
        return resolveLocked(SilenceState.MISSED);
    }

    /**
     * Adds the current silence to the interrupt's result, keeps it with {@code add}, and has a later
     * resolution change the kept one through {@code update}: under one lock, so a resolution can neither
     * be lost nor land before the result.
     */
    synchronized InterruptResult record(
            InterruptResult result, Consumer<InterruptResult> add, Consumer<UnaryOperator<InterruptResult>> update) {
        InterruptResult withSilence = result.withSilence(reportLocked());
        for (Map.Entry<String, Delivered> e : heard.entrySet()) {
            withSilence = withSilence.withDelivered(e.getKey(), e.getValue());
        }
        add.accept(withSilence);
        recordedIn = update;
        return withSilence;
    }

    private SilenceReport resolveLocked(SilenceState resolution) {
        state = resolution;
        if (resolution == SilenceState.MISSED) {
            missed = List.copyOf(new ArrayList<>(pending));
        }
        pending.clear();
        SilenceReport report = reportLocked();
        if (recordedIn != null) {
            recordedIn.accept(r -> r.withSilence(report));
        }
        return report;
    }

    private SilenceReport reportLocked() {
        return switch (state) {
            case PENDING -> new SilenceReport(hardwareId, epoch, state, null, List.copyOf(pending));
            case CONFIRMED ->
                new SilenceReport(
                        hardwareId,
                        epoch,
                        state,
                        Durations.millis(Duration.between(startedAt, lastStop).toNanos()),
                        List.of());
            case MISSED -> new SilenceReport(hardwareId, epoch, state, null, missed);
        };
    }

    /** Completes the stage callers wait on; outside any lock, since it runs their continuations. */
    void announce(SilenceReport report) {
        outcome.complete(report);
    }
}
