package io.interrupthub.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Everything kept about one device. Mutable fields are guarded by the device's own monitor
 * ({@link DeviceTable#withDevice}); {@link #flag} is also read without the lock by pollers.
 */
final class Device {

    /** The flag a polling loop checks; immutable so one volatile read gives a consistent view. */
    record Flag(long epoch, long setAtMillis, long expiresAtMillis) {
        boolean activeAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }
    }

    final String hardwareId;
    long epoch;
    volatile Flag flag;
    /** Open and interrupted-but-not-yet-removed sessions. */
    final List<Session> sessions = new ArrayList<>(2);
    /** The fan-out of the current epoch while it runs (null once it finished); concurrent interrupts join it. */
    CompletableFuture<InterruptResult> inFlight;
    /** The silence the latest fan-out awaits; interrupts that join that fan-out share it. */
    InterruptSilence silence;
    /** The highest epoch whose modules this instance called (a cluster may number epochs elsewhere). */
    long fannedOut;
    /** A session opened since the last interrupt: a new turn that a running fan-out did not reach. */
    boolean openedSinceInterrupt;
    /** The tentative interrupt holding this device's sessions, while it waits for its decision. */
    OpenPause pause;
    /** Removed from the table; a thread that raced with removal must look the device up again. */
    boolean retired;
    /** In the table's queue of devices the next sweep looks at. */
    boolean reclaimQueued;
    /** Has an entry in {@link FlagExpiry}'s queues. */
    boolean flagQueued;

    Device(String hardwareId, long epoch) {
        this.hardwareId = hardwareId;
        this.epoch = epoch;
    }

    /**
     * Under the lock: the cluster numbered {@code clusterEpoch} the interrupt this instance applied as {@code
     * localEpoch}. The device rises to it, and its open sessions of that turn (opened here since) belong to the
     * cluster's number; returns them, so the registry hears of their epoch.
     */
    List<Session> fence(long localEpoch, long clusterEpoch, DeviceTable table) {
        if (clusterEpoch > epoch) {
            epoch = clusterEpoch;
            Flag f = flag;
            if (f != null && f.epoch() < clusterEpoch) {
                table.setFlag(this, new Flag(clusterEpoch, f.setAtMillis(), f.expiresAtMillis()));
            }
        }
        fannedOut = Math.max(fannedOut, Math.min(clusterEpoch, epoch));
        List<Session> rebased = new ArrayList<>(0);
        for (Session session : sessions) {
            if (session.state().isOpen() && session.epoch() >= localEpoch && session.epoch() < clusterEpoch) {
                session.rebase(clusterEpoch);
                rebased.add(session);
            }
        }
        return rebased;
    }

    /** Nothing was ever put in it: no session, no flag, no fan-out. */
    boolean untouched() {
        return sessions.isEmpty() && flag == null && inFlight == null && pause == null;
    }

    boolean idleAt(long nowMillis) {
        Flag f = flag;
        return sessions.isEmpty()
                && pause == null
                && (f == null || !f.activeAt(nowMillis))
                && (inFlight == null || inFlight.isDone());
    }
}
