package io.interrupthub.core;

import java.time.Instant;
import java.util.List;

/**
 * A point-in-time copy of a session, as the API shows it; {@code interruptedAt} is null unless
 * interrupted; {@code delivered} is how far its output reached the user, as last reported (final once
 * {@code stoppedAt}, the edge's stop receipt, is set); {@code commits} are the side effects its turn committed.
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
        Delivered delivered,
        Instant stoppedAt,
        List<Commit> commits) {

    public SessionInfo {
        commits = commits == null ? List.of() : List.copyOf(commits);
    }

    /** A session with no stop receipt and no commit. */
    public SessionInfo(
            String sessionId,
            String hardwareId,
            SessionState state,
            long epoch,
            Instant createdAt,
            Instant lastHeartbeatAt,
            Instant expiresAt,
            Instant interruptedAt,
            Delivered delivered) {
        this(
                sessionId,
                hardwareId,
                state,
                epoch,
                createdAt,
                lastHeartbeatAt,
                expiresAt,
                interruptedAt,
                delivered,
                null,
                List.of());
    }
}
