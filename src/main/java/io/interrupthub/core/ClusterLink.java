package io.interrupthub.core;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * How one {@link InterruptManager} shares epochs, interrupts and the session cap with the other
 * instances of a cluster. {@link #LOCAL} (the default) is a single process. An implementation must
 * never throw and must answer within its own short timeout: when the cluster cannot be reached it
 * falls back to the local answer and catches up later, so local interrupts never wait for it.
 *
 * <p>Interrupts that other instances issue come in through {@link InterruptManager#applyRemote};
 * session state changes reach the implementation as an {@link InterruptListener}.
 *
 * <p>Tentative interrupts follow the same rule: a pause is shared through {@link #openPause} and its one
 * decision taken through {@link #decidePause} (or an interrupt's {@link #announce}); when the cluster cannot
 * answer, these say so ({@code null}, {@link PauseVerdict#LOCAL}) and the instance decides alone, at once,
 * as one process does. Other instances' pauses and decisions come in through
 * {@link InterruptManager#applyRemotePause} and {@link InterruptManager#applyRemotePauseDecision}.
 */
public interface ClusterLink {

    ClusterLink LOCAL = new ClusterLink() {};

    /**
     * Called under the device's lock when an interrupt starts a new epoch: returns that epoch (above
     * {@code localEpoch}) and tells the other instances. The future completes, within the link's
     * acknowledgement timeout, with one outcome per instance that was expected to apply it.
     */
    default Announcement announce(String hardwareId, long localEpoch, String reason, String source, Instant at) {
        return new Announcement(localEpoch + 1, Announcement.NO_PEERS);
    }

    /**
     * Called under the device's lock for an interrupt that stays on this instance (shutdown): returns
     * its epoch (above {@code localEpoch}) without telling the other instances, so that epoch number is
     * still never issued twice.
     */
    default long claim(String hardwareId, long localEpoch) {
        return localEpoch + 1;
    }

    /**
     * Called before a session opens, after the local cap admitted it. {@code localEpoch} is the
     * device's epoch here, which the cluster's must not stay below.
     *
     * @return refused at the cluster-wide cap; otherwise the device's cluster epoch when known
     */
    default Admission admit(String sessionId, String hardwareId, long localEpoch) {
        return Admission.UNKNOWN_EPOCH;
    }

    /** A session that {@link #admit} admitted did not open after all; gives its cluster slot back. */
    default void withdraw(String sessionId) {}

    /** A heartbeat kept the session alive; the cluster's copy must not expire before it. */
    default void heartbeat(SessionInfo session) {}

    /**
     * Called under the device's lock before an active session of {@code sessionEpoch} commits a side
     * effect: false when the cluster has numbered a newer interrupt of the device (the turn is over, even
     * if that interrupt has not reached this instance yet), or cannot say. Read atomically against the
     * epochs {@link #announce} issues, so a commit and an interrupt are ordered cluster-wide.
     */
    default boolean mayCommit(String hardwareId, long sessionEpoch) {
        return true;
    }

    /** The device's cluster-wide epoch, when the cluster can say. */
    default OptionalLong epoch(String hardwareId) {
        return OptionalLong.empty();
    }

    /** Sessions that other instances hold, newest first, for a cluster-wide listing. */
    default List<SessionInfo> remoteSessions(String hardwareId, int limit) {
        return List.of();
    }

    /**
     * Called under the device's lock as a pause opens here: tells the other instances, unless the cluster
     * already has an open pause of the device (then that one is answered, and this instance joins it).
     *
     * @return the cluster's pause of the device, or null when the cluster cannot be reached (the pause is
     *     then this instance's alone, decided here)
     */
    default ClusterPause openPause(
            String hardwareId,
            long localEpoch,
            String reason,
            String source,
            java.time.Instant pausedAt,
            java.time.Instant resumeBy) {
        return null;
    }

    /**
     * Called under the device's lock to take the one decision of the cluster's pause {@code pauseId}:
     * resumed (by a caller or on expiry) or becoming an interrupt on expiry. A real interrupt takes it in
     * {@link #announce} instead.
     */
    default PauseVerdict decidePause(String hardwareId, String pauseId, PauseOutcome outcome) {
        return PauseVerdict.LOCAL;
    }

    /**
     * The epoch an interrupt got and the other instances' outcomes, still to come; with the device's
     * cluster-wide pause the announcement found ({@code pauseId} null when none), its decision, whether this
     * announcement took that decision, and what the cluster records of that pause (null when not told).
     */
    record Announcement(
            long epoch,
            CompletableFuture<List<InstanceOutcome>> peers,
            String pauseId,
            PauseOutcome pauseOutcome,
            boolean pauseDecided,
            ClusterPause pause) {
        public static final CompletableFuture<List<InstanceOutcome>> NO_PEERS =
                CompletableFuture.completedFuture(List.of());

        public Announcement(long epoch, CompletableFuture<List<InstanceOutcome>> peers) {
            this(epoch, peers, null, null, false, null);
        }

        public Announcement(
                long epoch,
                CompletableFuture<List<InstanceOutcome>> peers,
                String pauseId,
                PauseOutcome pauseOutcome,
                boolean pauseDecided) {
            this(epoch, peers, pauseId, pauseOutcome, pauseDecided, null);
        }
    }

    /**
     * A pause as the cluster knows it. {@code epoch} is the device's cluster epoch when it opened: an
     * interrupt numbered above it ends it. {@code opened} is false when it was already open (made elsewhere).
     */
    record ClusterPause(
            String hardwareId,
            String id,
            long epoch,
            String reason,
            String source,
            java.time.Instant pausedAt,
            java.time.Instant resumeBy,
            boolean opened) {}

    /** Who decided a pause: this instance ({@link #WON}), another one first (with its decision), or nobody can say. */
    record PauseVerdict(Kind kind, PauseOutcome decided) {
        public static final PauseVerdict WON = new PauseVerdict(Kind.WON, null);
        /** The cluster cannot be reached, or no longer knows the pause: the decision is taken here. */
        public static final PauseVerdict LOCAL = new PauseVerdict(Kind.LOCAL, null);

        public static PauseVerdict lost(PauseOutcome decided) {
            return new PauseVerdict(Kind.LOST, decided);
        }

        public enum Kind {
            WON,
            LOST,
            LOCAL
        }
    }

    /**
     * Whether a session may open cluster-wide, and the device's epoch there ({@code -1} when unknown);
     * {@link #DUPLICATE} when an open session anywhere in the cluster already has the id.
     */
    record Admission(boolean admitted, long epoch) {
        public static final Admission UNKNOWN_EPOCH = new Admission(true, -1);
        public static final Admission REFUSED = new Admission(false, -1);
        public static final Admission DUPLICATE = new Admission(false, -2);
    }
}
