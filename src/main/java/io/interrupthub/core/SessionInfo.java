package io.interrupthub.core;

import java.time.Instant;

/**
 * A point-in-time copy of a session, as the API shows it; {@code interruptedAt} is null unless
 * interrupted; {@code delivered} is how far its output reached the user, as last reported.
 */
public record SessionInfo(
        String sessionId,
        String hardwareId,
        SessionState state,
        long epoch,
        Instant createdAt,
        Instant lastHeartbeatAt,
        Instant expiresAt,
        Instant interruptedAt,
        Delivered delivered) {
}
