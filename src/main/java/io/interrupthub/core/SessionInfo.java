package io.interrupthub.core;

import java.time.Instant;

/** A point-in-time copy of a session, as the API shows it; {@code interruptedAt} is null unless interrupted. */
public record SessionInfo(
        String sessionId,
        String hardwareId,
        SessionState state,
        long epoch,
        Instant createdAt,
        Instant lastHeartbeatAt,
        Instant expiresAt,
        Instant interruptedAt) {
}
