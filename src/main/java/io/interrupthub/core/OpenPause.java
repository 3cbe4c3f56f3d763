package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A device's pause while it waits for its decision. Every field but {@link #decided} and {@link #snapshot} is
 * guarded by the device's lock; whoever takes it off the device under that lock (resume, interrupt or expiry)
 * decides.
 */
final class OpenPause {

    /** What it is now; replaced as sessions are born paused into it, or as it joins the cluster's pause. */
    volatile Pause snapshot;
    /** Its window ended and it is becoming an interrupt: a resume is too late. */
    boolean expiring;
    /** An expiry asked the cluster for the decision and waits for the answer. */
    boolean deciding;
    /**
     * This instance took its decision (won it in the cluster, or alone), so its metric counts it: in a cluster,
     * each pause is counted once, by the instance that decided it.
     */
    boolean decidedHere;
    /** Its decision was counted (once cluster-wide: by the instance that took it, and only once here). */
    final AtomicBoolean counted = new AtomicBoolean();
    /** Completed with the ended pause once decided; commits of its sessions wait on it. */
    final CompletableFuture<Pause> decided = new CompletableFuture<>();
    /** The cluster's id of the pause; null for a pause of this instance alone (one process). */
    private String clusterId;
    /** The device's cluster epoch when it opened: an interrupt numbered above it ends it. */
    private long clusterEpoch;
    /**
     * The cluster answered where the pause stands (recorded, joined, or unreachable), so {@link #clusterEpoch} is
     * the cluster's. Until then an interrupt from another instance that does not name it was numbered before the
     * cluster recorded it: the pause belongs to the turn after that interrupt.
     */
    private boolean settled;

    /** A pause of this instance alone, or one the cluster already holds (applied from its signal). */
    OpenPause(Pause snapshot, String clusterId, long clusterEpoch) {
        this.snapshot = snapshot;
        this.clusterId = clusterId;
        this.clusterEpoch = clusterEpoch;
        this.settled = true;
    }

    /** A pause opened here that the cluster has not answered for yet. */
    static OpenPause sharing(Pause snapshot, String clusterId) {
        OpenPause pause = new OpenPause(snapshot, clusterId, snapshot.epoch());
        pause.settled = clusterId == null;
        return pause;
    }

    String clusterId() {
        return clusterId;
    }

    /** Whether {@code id} names this pause in the cluster. */
    boolean is(String id) {
        return clusterId != null && clusterId.equals(id);
    }

    /**
     * Whether an interrupt numbered {@code epoch} by another instance, whose signal named the pause {@code pauseId}
     * (or none), ends this one. Under the device's lock.
     */
    boolean endedBy(long epoch, String pauseId) {
        return is(pauseId) || (settled && clusterEpoch < epoch);
    }

    /**
     * Under the device's lock: the cluster's answer to this pause's opening. {@code shared} null: the cluster could
     * not be reached, and the pause stays this instance's; another pause's id: it joins that one (its window, its
     * id). Returns true when the window changed.
     */
    boolean settle(ClusterLink.ClusterPause shared) {
        settled = true;
        if (shared == null) {
            return false;
        }
        clusterEpoch = shared.epoch();
        if (shared.opened() || shared.id().equals(clusterId)) {
            return false;
        }
        clusterId = shared.id();
        Pause own = snapshot;
        snapshot = new Pause(
                own.hardwareId(),
                own.epoch(),
                shared.reason(),
                shared.source(),
                shared.pausedAt(),
                shared.resumeBy(),
                own.sessionIds(),
                null,
                null);
        return true;
    }
}
