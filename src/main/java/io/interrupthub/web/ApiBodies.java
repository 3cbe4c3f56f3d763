package io.interrupthub.web;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.interrupthub.core.Commit;
import io.interrupthub.core.Delivered;
import io.interrupthub.core.FlagStatus;
import io.interrupthub.core.InstanceOutcome;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.Pause;
import io.interrupthub.core.PauseResult;
import io.interrupthub.core.RecoveryOutcome;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SessionDelivery;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SilenceState;
import io.interrupthub.core.SpeechDecision;
import io.interrupthub.core.SpeechOutcome;

/** The JSON shapes of the contract. Optional fields are left out when absent rather than sent as null. */
final class ApiBodies {

    private ApiBodies() {}

    /**
     * {@code instances} and {@code unacknowledged} appear in cluster mode only: the other instances'
     * outcomes, and those that did not acknowledge within the timeout. {@code silence} is whether the
     * sessions it marked went quiet; {@code timeToSilenceMs} appears once {@code CONFIRMED};
     * {@code pendingSessions} names the sessions still awaited, or, once {@code MISSED}, the stuck speakers.
     * {@code committed} lists the side effects its sessions had committed before it reached them.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterruptResultBody(
            String hardwareId,
            long epoch,
            boolean success,
            String reason,
            String source,
            int sessionsInterrupted,
            double durationMs,
            Instant startedAt,
            List<ModuleResultBody> modules,
            List<SessionDelivery> delivered,
            List<InstanceBody> instances,
            List<String> unacknowledged,
            SilenceState silence,
            Double timeToSilenceMs,
            List<String> pendingSessions,
            List<CommittedBody> committed,
            PauseEndedBody followedPause,
            RecoveryBody recovery) {

        static InterruptResultBody of(InterruptResult r) {
            List<InstanceBody> instances = r.instances().isEmpty()
                    ? null
                    : r.instances().stream().map(InstanceBody::of).toList();
            List<String> unacknowledged = r.unacknowledged().isEmpty() ? null : r.unacknowledged();
            SilenceReport silence = r.silence();
            return new InterruptResultBody(
                    r.hardwareId(),
                    r.epoch(),
                    r.success(),
                    r.reason(),
                    r.source(),
                    r.sessionsInterrupted(),
                    r.durationMs(),
                    r.startedAt(),
                    r.modules().stream().map(ModuleResultBody::of).toList(),
                    r.delivered(),
                    instances,
                    unacknowledged,
                    silence == null ? null : silence.state(),
                    silence == null ? null : silence.timeToSilenceMs(),
                    silence == null || silence.pendingSessions().isEmpty() ? null : silence.pendingSessions(),
                    r.committed().stream().map(CommittedBody::of).toList(),
                    r.followedPause() == null ? null : PauseEndedBody.of(r.followedPause()),
                    r.recovery() == null ? null : RecoveryBody.of(r.recovery()));
        }
    }

    /**
     * The turn after an interrupt: {@code RECOVERED} with the time from the interrupt to the next turn's first
     * delivery, {@code MISSED} once the recovery deadline passed without one, {@code SUPERSEDED} when the device was
     * interrupted again first, {@code PENDING} meanwhile. The SSE {@code recovery} event and a history entry's
     * {@code recovery}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RecoveryBody(
            String hardwareId,
            long epoch,
            RecoveryOutcome outcome,
            Instant interruptedAt,
            Double recoveredMs,
            String sessionId) {

        static RecoveryBody of(RecoveryReport r) {
            return new RecoveryBody(
                    r.hardwareId(), r.epoch(), r.outcome(), r.interruptedAt(), r.recoveredMs(), r.sessionId());
        }
    }

    /**
     * Answer of {@code POST /devices/{hardwareId}/speech} and the SSE {@code speech} event: the decision, the rule
     * that made it and the policy it belongs to; {@code pause} is the pause it opened, found or resumed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SpeechBody(
            String hardwareId,
            SpeechDecision decision,
            String rule,
            String policy,
            long epoch,
            PauseBody pause,
            boolean alreadyPaused,
            int words,
            long speechMs,
            @JsonProperty("final") boolean isFinal,
            Instant at) {

        static SpeechBody of(SpeechOutcome o) {
            return new SpeechBody(
                    o.hardwareId(),
                    o.decision(),
                    o.rule().tag(),
                    o.policy(),
                    o.epoch(),
                    o.pause() == null ? null : PauseBody.of(o.pause(), o.alreadyPaused()),
                    o.alreadyPaused(),
                    o.words(),
                    o.speechMs(),
                    o.isFinal(),
                    o.at());
        }
    }

    /** A side effect an interrupt found already past the point of no return. */
    record CommittedBody(String sessionId, String action, Instant committedAt) {

        static CommittedBody of(Commit c) {
            return new CommittedBody(c.sessionId(), c.action(), c.committedAt());
        }
    }

    /** Answer of {@code POST /sessions/{id}/commit}: the side effect may run. */
    record CommitBody(String sessionId, String action, long epoch, Instant committedAt) {

        static CommitBody of(Commit c) {
            return new CommitBody(c.sessionId(), c.action(), c.epoch(), c.committedAt());
        }
    }

    /** The SSE {@code silence} event; {@code pendingSessions} names the stuck speakers of a missed one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SilenceBody(
            String hardwareId, long epoch, SilenceState silence, Double timeToSilenceMs, List<String> pendingSessions) {

        static SilenceBody of(SilenceReport s) {
            return new SilenceBody(
                    s.hardwareId(),
                    s.epoch(),
                    s.state(),
                    s.timeToSilenceMs(),
                    s.pendingSessions().isEmpty() ? null : s.pendingSessions());
        }
    }

    record InstanceBody(
            String instance,
            boolean acknowledged,
            boolean success,
            int sessionsInterrupted,
            double durationMs,
            List<ModuleResultBody> modules) {

        static InstanceBody of(InstanceOutcome i) {
            return new InstanceBody(
                    i.instance(),
                    i.acknowledged(),
                    i.success(),
                    i.sessionsInterrupted(),
                    i.durationMs(),
                    i.modules().stream().map(ModuleResultBody::of).toList());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModuleResultBody(String module, ModuleOutcome outcome, double durationMs, String error) {

        static ModuleResultBody of(ModuleResult m) {
            return new ModuleResultBody(m.module(), m.outcome(), m.durationMs(), m.error());
        }
    }

    /**
     * {@code ?wait=false}: the interrupt is under way; {@code epoch} is the number this instance gave it. In a cluster,
     * when this instance was behind, the cluster numbers it higher, and its result and the device say so.
     */
    record AcceptedBody(String hardwareId, long epoch) {}

    /**
     * A tentative interrupt's answer and the {@code pause} event: the device's sessions are held until
     * {@code resumeBy}. {@code alreadyPaused}: an earlier tentative interrupt's pause, unchanged.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PauseBody(
            String hardwareId,
            boolean tentative,
            long epoch,
            String reason,
            String source,
            List<String> sessionIds,
            Instant pausedAt,
            Instant resumeBy,
            Boolean alreadyPaused) {

        static PauseBody of(PauseResult result) {
            return of(result.pause(), result.alreadyPaused());
        }

        static PauseBody of(Pause p, boolean alreadyPaused) {
            return new PauseBody(
                    p.hardwareId(),
                    true,
                    p.epoch(),
                    p.reason(),
                    p.source(),
                    p.sessionIds(),
                    p.pausedAt(),
                    p.resumeBy(),
                    alreadyPaused ? Boolean.TRUE : null);
        }
    }

    /**
     * How a pause ended: the answer to a resume, the {@code resume} event, and an interrupt's
     * {@code followedPause}. {@code outcome} is {@code resumed}, {@code confirmed}, {@code expired_resumed} or
     * {@code expired_interrupted}; {@code pausedMs} is how long the sessions were held.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PauseEndedBody(
            String hardwareId,
            long epoch,
            String outcome,
            double pausedMs,
            String reason,
            List<String> sessionIds,
            Instant pausedAt,
            Instant endedAt) {

        static PauseEndedBody of(Pause p) {
            return new PauseEndedBody(
                    p.hardwareId(),
                    p.epoch(),
                    p.outcome().tag(),
                    p.duration(p.endedAt()).toNanos() / 1_000_000.0,
                    p.reason(),
                    p.sessionIds(),
                    p.pausedAt(),
                    p.endedAt());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FlagBody(
            String hardwareId,
            boolean interrupted,
            long epoch,
            Instant setAt,
            Instant expiresAt,
            long checkIntervalMs) {

        static FlagBody of(FlagStatus f) {
            return new FlagBody(
                    f.hardwareId(), f.interrupted(), f.epoch(), f.setAt(), f.expiresAt(), f.checkIntervalMs());
        }
    }

    /** {@code stoppedAt} once the edge reported the output silent; {@code commits} once the turn committed any. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionBody(
            String sessionId,
            String hardwareId,
            SessionState state,
            long epoch,
            Instant createdAt,
            Instant lastHeartbeatAt,
            Instant expiresAt,
            Instant interruptedAt,
            Delivered delivered,
            Instant stoppedAt,
            List<CommitBody> commits) {

        static SessionBody of(SessionInfo s) {
            return new SessionBody(
                    s.sessionId(),
                    s.hardwareId(),
                    s.state(),
                    s.epoch(),
                    s.createdAt(),
                    s.lastHeartbeatAt(),
                    s.expiresAt(),
                    s.interruptedAt(),
                    s.delivered(),
                    s.stoppedAt(),
                    s.commits().isEmpty()
                            ? null
                            : s.commits().stream().map(CommitBody::of).toList());
        }
    }

    /** Body of {@code POST /sessions/{id}/delivered}; an absent offset counts as 0 (offsets never go back). */
    record DeliveredRequest(Long textChars, Long audioMs) {}

    /** Body of {@code POST /sessions/{id}/stopped}, optional: the edge's final offsets; an absent one keeps the producer's. */
    record StoppedRequest(Long textChars, Long audioMs) {}

    /** Body of {@code POST /sessions/{id}/commit}. */
    record CommitRequest(String action) {}
}
