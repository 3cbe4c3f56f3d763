package io.interrupthub.core;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * How one {@link InterruptManager} shares epochs, interrupts, pauses and the session cap with the other
 * instances of a cluster. {@link #LOCAL} (the default) is a single process.
 *
 * <p>The manager never calls a link while it holds a device's lock, and never between a barge-in and its
 * local stop: an interrupt stops this instance's sessions, fires their handles, sets the flag and publishes
 * its events first, then {@link #announce}s itself. What must reach the cluster leaves as a future the link
 * completes within its own bound. A method that answers a caller synchronously ({@link #admit},
 * {@link #commitEpoch}, {@link #decidePause} through its future) answers at once from local knowledge when the
 * cluster is down or known to be slow, and otherwise waits at most the link's bound. An implementation never
 * throws.
 *
 * <p>Interrupts that other instances issue come in through {@link InterruptManager#applyRemote}; their pauses
 * and pause decisions through {@link InterruptManager#applyRemotePause} and
 * {@link InterruptManager#applyRemotePauseDecision}; session state changes reach the implementation as an
 * {@link InterruptListener}.
 */
public interface ClusterLink {

    ClusterLink LOCAL = new ClusterLink() {};

    /**
     * Numbers an interrupt this instance has already applied as {@code localEpoch} and tells the other instances.
     * The cluster's number is above {@code floor} (the device's epoch before the interrupt) and equals
     * {@code localEpoch} unless the cluster was ahead of this instance; the manager then raises the device to it.
     * Completes within the link's bound: with {@link Announcement#unheard} when the cluster could not take it now
     * (the link then announces it once the cluster is back). The announcement's peers complete within the
     * acknowledgement timeout, one outcome per instance that was expected to apply it.
     */
    default CompletableFuture<Announcement> announce(
            String hardwareId, long floor, long localEpoch, String reason, String source, Instant at) {
        return CompletableFuture.completedFuture(Announcement.unheard(localEpoch, List.of()));
    }

    /**
     * An interrupt that stays on this instance (shutdown) took {@code epoch} here: the cluster's epoch of the
     * device is raised to it in the background, so that number is not issued again for a newer interrupt.
     */
    default void claimed(String hardwareId, long epoch) {}

    /**
     * Called before a session opens, after the local cap admitted it. {@code localEpoch} is the device's epoch
     * here, which the cluster's must not stay below.
     *
     * @return refused at the cluster-wide cap or as a duplicate; otherwise the device's cluster epoch when known
     */
    default Admission admit(String sessionId, String hardwareId, long localEpoch) {
        return Admission.UNKNOWN_EPOCH;
    }

    /** A session that {@link #admit} admitted did not open after all; gives its cluster slot back. */
    default void withdraw(String sessionId) {}

    /** A heartbeat kept the session alive; the cluster's copy must not expire before it. */
    default void heartbeat(SessionInfo session) {}

    /**
     * The device's cluster epoch, read in the cluster's order after every announcement this instance made of
     * the device, for a commit: a session whose epoch is below it belongs to a turn that an interrupt has ended
     * somewhere, even if that interrupt has not reached this instance yet. Empty when the cluster cannot say
     * within the link's bound.
     */
    default CompletableFuture<OptionalLong> commitEpoch(String hardwareId) {
        return CompletableFuture.completedFuture(OptionalLong.of(0));
    }

    /** Whether a commit the cluster cannot order in time is refused (503) or decided on local order. */
    default boolean commitsNeedTheCluster() {
        return false;
    }

    /** The device's cluster-wide epoch, when the cluster can say within the link's short answer wait. */
    default OptionalLong epoch(String hardwareId) {
        return OptionalLong.empty();
    }

    /** Sessions that other instances hold, newest first, for a cluster-wide listing. */
    default List<SessionInfo> remoteSessions(String hardwareId, int limit) {
        return List.of();
    }

    /** A fresh cluster id for a pause about to open here; null when there is no cluster to share it with. */
    default String newPauseId() {
        return null;
    }

    /**
     * Shares a pause opened here (already holding this instance's sessions): tells the other instances unless the
     * cluster already has an open pause of the device, which this one then joins. Not sent at all when
     * {@code undecided} says the pause was decided here before the cluster could take it.
     *
     * @return the cluster's pause of the device, or null when the cluster could not be reached (the pause is then
     *     this instance's alone, decided here)
     */
    default CompletableFuture<ClusterPause> openPause(
            String pauseId,
            String hardwareId,
            long localEpoch,
            String reason,
            String source,
            Instant pausedAt,
            Instant resumeBy,
            BooleanSupplier undecided) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The cluster's pause {@code pauseId} was decided here alone ({@link #decidePause} could not answer in time):
     * the decision is recorded in the cluster when it can be, so that instances holding the pause learn it.
     */
    default void decidedAlone(String hardwareId, String pauseId, PauseOutcome outcome) {}

    /**
     * Takes the one decision of the cluster's pause {@code pauseId}: resumed (by a caller or on expiry) or
     * becoming an interrupt on expiry. A real interrupt takes it in {@link #announce} instead. Completes with
     * {@link PauseVerdict#LOCAL} when the cluster cannot say within the link's bound.
     */
    default CompletableFuture<PauseVerdict> decidePause(String hardwareId, String pauseId, PauseOutcome outcome) {
        return CompletableFuture.completedFuture(PauseVerdict.LOCAL);
    }

    /**
     * The epoch the cluster gave an interrupt and the other instances' outcomes, still to come; with the device's
     * cluster-wide pause the announcement found ({@code pauseId} null when none), its decision, whether this
     * announcement took that decision, and what the cluster records of that pause (null when not told).
     * {@code heard} is false when the cluster did not take the announcement (yet): the epoch is then the local one.
     */
    record Announcement(
            long epoch,
            CompletableFuture<List<InstanceOutcome>> peers,
            String pauseId,
            PauseOutcome pauseOutcome,
            boolean pauseDecided,
            ClusterPause pause,
            boolean heard) {
        public static final CompletableFuture<List<InstanceOutcome>> NO_PEERS =
                CompletableFuture.completedFuture(List.of());

        /** What another instance's signal says of the pause its interrupt found. */
        public static Announcement ofSignal(long epoch, String pauseId, PauseOutcome pauseOutcome) {
            return new Announcement(epoch, NO_PEERS, pauseId, pauseOutcome, false, null, true);
        }

        /** The cluster could not take it now: the local epoch, and the peers named as not acknowledging. */
        public static Announcement unheard(long localEpoch, List<InstanceOutcome> unreached) {
            return new Announcement(
                    localEpoch, CompletableFuture.completedFuture(unreached), null, null, false, null, false);
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
            Instant pausedAt,
            Instant resumeBy,
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
     * Whether a session may open cluster-wide, and the device's epoch there when known; refused at the cap, or a
     * duplicate when an open session anywhere in the cluster already has the id.
     */
    sealed interface Admission {
        Admission UNKNOWN_EPOCH = new Admitted(OptionalLong.empty());
        Admission REFUSED = new Refused();
        Admission DUPLICATE = new Duplicate();

        /** Admitted; {@code epoch} is the device's cluster epoch, empty when the cluster could not say. */
        record Admitted(OptionalLong epoch) implements Admission {}

        /** The cluster-wide cap is reached. */
        record Refused() implements Admission {}

        /** An open session somewhere in the cluster has the id. */
        record Duplicate() implements Admission {}
    }
}
