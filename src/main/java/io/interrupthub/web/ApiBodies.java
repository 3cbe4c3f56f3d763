package io.interrupthub.web;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.interrupthub.core.Delivered;
import io.interrupthub.core.FlagStatus;
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

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterruptResultBody(String hardwareId, long epoch, boolean success, String reason, String source,
                               int sessionsInterrupted, double durationMs, Instant startedAt,
                               List<ModuleResultBody> modules, List<SessionDelivery> delivered) {

        static InterruptResultBody of(InterruptResult r) {
            return new InterruptResultBody(r.hardwareId(), r.epoch(), r.success(), r.reason(), r.source(),
                    r.sessionsInterrupted(), r.durationMs(), r.startedAt(),
                    r.modules().stream().map(ModuleResultBody::of).toList(), r.delivered());
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
