package io.interrupthub.web;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.interrupthub.core.Delivered;
import io.interrupthub.core.FlagStatus;
import io.interrupthub.core.InstanceOutcome;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.SessionDelivery;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;

/** The JSON shapes of the contract. Optional fields are left out when absent rather than sent as null. */
final class ApiBodies {

    private ApiBodies() {
    }

    /**
     * {@code instances} and {@code unacknowledged} appear in cluster mode only: the other instances'
     * outcomes, and those that did not acknowledge within the timeout.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterruptResultBody(String hardwareId, long epoch, boolean success, String reason, String source,
                               int sessionsInterrupted, double durationMs, Instant startedAt,
                               List<ModuleResultBody> modules, List<SessionDelivery> delivered,
                               List<InstanceBody> instances, List<String> unacknowledged) {

        static InterruptResultBody of(InterruptResult r) {
            List<InstanceBody> instances = r.instances().isEmpty() ? null
                    : r.instances().stream().map(InstanceBody::of).toList();
            List<String> unacknowledged = r.unacknowledged().isEmpty() ? null : r.unacknowledged();
            return new InterruptResultBody(r.hardwareId(), r.epoch(), r.success(), r.reason(), r.source(),
                    r.sessionsInterrupted(), r.durationMs(), r.startedAt(),
                    r.modules().stream().map(ModuleResultBody::of).toList(), r.delivered(), instances, unacknowledged);
        }
    }

    record InstanceBody(String instance, boolean acknowledged, boolean success, int sessionsInterrupted,
                        double durationMs, List<ModuleResultBody> modules) {

        static InstanceBody of(InstanceOutcome i) {
            return new InstanceBody(i.instance(), i.acknowledged(), i.success(), i.sessionsInterrupted(), i.durationMs(),
                    i.modules().stream().map(ModuleResultBody::of).toList());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModuleResultBody(String module, ModuleOutcome outcome, double durationMs, String error) {

        static ModuleResultBody of(ModuleResult m) {
            return new ModuleResultBody(m.module(), m.outcome(), m.durationMs(), m.error());
        }
    }

    /** {@code ?wait=false}: the interrupt is under way; its epoch is already decided. */
    record AcceptedBody(String hardwareId, long epoch) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FlagBody(String hardwareId, boolean interrupted, long epoch, Instant setAt, Instant expiresAt,
                    long checkIntervalMs) {

        static FlagBody of(FlagStatus f) {
            return new FlagBody(f.hardwareId(), f.interrupted(), f.epoch(), f.setAt(), f.expiresAt(), f.checkIntervalMs());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionBody(String sessionId, String hardwareId, SessionState state, long epoch, Instant createdAt,
                       Instant lastHeartbeatAt, Instant expiresAt, Instant interruptedAt, Delivered delivered) {

        static SessionBody of(SessionInfo s) {
            return new SessionBody(s.sessionId(), s.hardwareId(), s.state(), s.epoch(), s.createdAt(),
                    s.lastHeartbeatAt(), s.expiresAt(), s.interruptedAt(), s.delivered());
        }
    }

    /** Body of {@code POST /sessions/{id}/delivered}; an absent offset counts as 0 (offsets never go back). */
    record DeliveredRequest(Long textChars, Long audioMs) {
    }
}
