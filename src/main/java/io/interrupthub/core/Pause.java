package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A tentative interrupt of one device: its open sessions hold their output without dropping it until the
 * pause is resumed, confirmed by a real interrupt, or its window ends ({@link TentativeExpiry}). The epoch
 * is the device's, unchanged by the pause. {@code outcome} and {@code endedAt} are null while it lasts.
 *
 * @param sessionIds the sessions it paused (including those born paused while it lasted)
 * @param resumeBy   when its window ends
 */
public record Pause(
        String hardwareId,
        long epoch,
        String reason,
        String source,
        Instant pausedAt,
        Instant resumeBy,
        List<String> sessionIds,
        PauseOutcome outcome,
        Instant endedAt) {

    public Pause {
        Objects.requireNonNull(hardwareId, "hardwareId");
        Objects.requireNonNull(pausedAt, "pausedAt");
        Objects.requireNonNull(resumeBy, "resumeBy");
        sessionIds = List.copyOf(sessionIds);
    }

    /** Still waiting for its decision. */
    public boolean open() {
        return outcome == null;
    }

    /** How long the sessions were held: until it ended, or until {@code now} while it lasts. */
    public Duration duration(Instant now) {
        return Duration.between(pausedAt, endedAt == null ? now : endedAt);
    }

    Pause withSession(String sessionId) {
        List<String> more = new java.util.ArrayList<>(sessionIds);
        more.add(sessionId);
        return new Pause(hardwareId, epoch, reason, source, pausedAt, resumeBy, more, outcome, endedAt);
    }

    /** This pause, ended {@code how} at {@code at} (for listeners' tests and cluster peers that apply a decision). */
    public Pause ended(PauseOutcome how, Instant at) {
        return new Pause(hardwareId, epoch, reason, source, pausedAt, resumeBy, sessionIds, how, at);
    }
}
