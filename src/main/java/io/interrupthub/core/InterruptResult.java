package io.interrupthub.core;

import java.time.Instant;
import java.util.List;

/**
 * What one interrupt did. {@code success} is true when every enabled module ended {@code OK}.
 * Callers whose interrupts coalesced into one fan-out share one result. {@code delivered} holds, for
 * each session the interrupt reached, how far its output had reached the user at that moment.
 * In a cluster, {@code instances} holds the other instances' outcomes; {@code sessionsInterrupted}
 * counts theirs too, and {@code success} needs every one of them to have acknowledged and succeeded.
 * {@code silence} says whether the sessions it marked here have gone quiet at the playback edge
 * ({@link SilenceReport}; kept up to date in the history), and {@code committed} lists the side effects
 * those sessions had committed before it reached them. {@code followedPause} is the tentative interrupt
 * this one confirmed, ended, with how long its sessions were held (null when the device was not paused).
 * {@code recovery} says whether the device's next turn delivered output in time ({@link RecoveryReport}; kept up
 * to date in the history; null when this instance does not watch it: the interrupt was made elsewhere).
 */
public record InterruptResult(
        String hardwareId,
        long epoch,
        boolean success,
        String reason,
        String source,
        int sessionsInterrupted,
        double durationMs,
        Instant startedAt,
        List<ModuleResult> modules,
        List<SessionDelivery> delivered,
        List<InstanceOutcome> instances,
        SilenceReport silence,
        List<Commit> committed,
        Pause followedPause,
        RecoveryReport recovery) {

    public InterruptResult {
        modules = List.copyOf(modules);
        delivered = delivered == null ? List.of() : List.copyOf(delivered);
        instances = instances == null ? List.of() : List.copyOf(instances);
        committed = committed == null ? List.of() : List.copyOf(committed);
    }

    /** A result without silence or commits, as results were before either existed. */
    public InterruptResult(
            String hardwareId,
            long epoch,
            boolean success,
            String reason,
            String source,
            int sessionsInterrupted,
            double durationMs,
            Instant startedAt,
            List<ModuleResult> modules,
            List<SessionDelivery> delivered,
            List<InstanceOutcome> instances) {
        this(
                hardwareId,
                epoch,
                success,
                reason,
                source,
                sessionsInterrupted,
                durationMs,
                startedAt,
                modules,
                delivered,
                instances,
                null,
                List.of(),
                null);
    }

    /** A result of one process, with no other instances. */
    public InterruptResult(
            String hardwareId,
            long epoch,
            boolean success,
            String reason,
            String source,
            int sessionsInterrupted,
            double durationMs,
            Instant startedAt,
            List<ModuleResult> modules,
            List<SessionDelivery> delivered) {
        this(
                hardwareId,
                epoch,
                success,
                reason,
                source,
                sessionsInterrupted,
                durationMs,
                startedAt,
                modules,
                delivered,
                List.of());
    }

    InterruptResult withSilence(SilenceReport report) {
        return with(delivered, report, committed, followedPause, recovery);
    }

    InterruptResult withCommitted(List<Commit> commits) {
        return with(delivered, silence, commits, followedPause, recovery);
    }

    /** The session's offsets as the edge reported them with its stop receipt: what was really heard. */
    InterruptResult withDelivered(String sessionId, Delivered heard) {
        List<SessionDelivery> replaced = delivered.stream()
                .map(d -> d.sessionId().equals(sessionId)
                        ? new SessionDelivery(sessionId, heard.textChars(), heard.audioMs())
                        : d)
                .toList();
        return with(replaced, silence, committed, followedPause, recovery);
    }

    /** This result with the turn after it as watched now. */
    InterruptResult withRecovery(RecoveryReport report) {
        return with(delivered, silence, committed, followedPause, report);
    }

    /** As the canonical constructor, without a watched recovery. */
    public InterruptResult(
            String hardwareId,
            long epoch,
            boolean success,
            String reason,
            String source,
            int sessionsInterrupted,
            double durationMs,
            Instant startedAt,
            List<ModuleResult> modules,
            List<SessionDelivery> delivered,
            List<InstanceOutcome> instances,
            SilenceReport silence,
            List<Commit> committed,
            Pause followedPause) {
        this(
                hardwareId,
                epoch,
                success,
                reason,
                source,
                sessionsInterrupted,
                durationMs,
                startedAt,
                modules,
                delivered,
                instances,
                silence,
                committed,
                followedPause,
                null);
    }

    /** This result, saying it confirmed {@code pause} (null: it followed none). */
    InterruptResult withFollowedPause(Pause pause) {
        if (pause == null) {
            return this;
        }
        return with(delivered, silence, committed, pause, recovery);
    }

    /** This result with what an interrupt learns after its fan-out: the one place the others copy it. */
    private InterruptResult with(
            List<SessionDelivery> heard,
            SilenceReport silenceNow,
            List<Commit> commits,
            Pause followed,
            RecoveryReport recoveryNow) {
        return new InterruptResult(
                hardwareId,
                epoch,
                success,
                reason,
                source,
                sessionsInterrupted,
                durationMs,
                startedAt,
                modules,
                heard,
                instances,
                silenceNow,
                commits,
                followed,
                recoveryNow);
    }

    /** Instances that were expected to apply this interrupt and did not say they had, in time. */
    public List<String> unacknowledged() {
        return instances.stream()
                .filter(i -> !i.acknowledged())
                .map(InstanceOutcome::instance)
                .toList();
    }
}
