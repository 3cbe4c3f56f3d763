package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;

/**
 * A device's pause while it waits for its decision. Every field but {@link #decided} is guarded by the
 * device's lock; whoever takes it off the device under that lock (resume, interrupt or expiry) decides.
 */
final class OpenPause {

    /** What it is now; replaced as sessions are born paused into it. */
    volatile Pause snapshot;
    /** Its window ended and it is becoming an interrupt: a resume is too late. */
    boolean expiring;
    /**
     * This instance took its decision (won it in the cluster, or alone), so its metric counts it: in a
     * cluster, each pause is counted once, by the instance that decided it.
     */
    boolean decidedHere;
    /** Completed with the ended pause once decided; commits of its sessions wait on it. */
    final CompletableFuture<Pause> decided = new CompletableFuture<>();
    /** The cluster's id of the pause; null for a pause of this instance alone (one process, or no Redis). */
    final String clusterId;
    /** The device's cluster epoch when it opened: an interrupt numbered above it ends it. */
    final long clusterEpoch;

    OpenPause(Pause snapshot) {
        this(snapshot, null, snapshot.epoch());
    }

    OpenPause(Pause snapshot, String clusterId, long clusterEpoch) {
        this.snapshot = snapshot;
        this.clusterId = clusterId;
        this.clusterEpoch = clusterEpoch;
    }

    /** Whether {@code id} names this pause in the cluster. */
    boolean is(String id) {
        return clusterId != null && clusterId.equals(id);
    }
}
