package io.interrupthub.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One device's state: its turn (epoch, and whether a session opened since the last interrupt), its flag, its
 * sessions, the fan-out of its current interrupt and the silence that fan-out awaits, and its pause. The state is
 * private and changes only through the transitions below, each made under the device's own monitor, which only
 * {@link DeviceTable} takes; {@link #flag()} is also read without the lock by pollers.
 */
final class Device {

    /** The flag a polling loop checks; immutable so one volatile read gives a consistent view. */
    record Flag(long epoch, long setAtMillis, long expiresAtMillis) {
        boolean activeAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }
    }

    final String hardwareId;
    private long epoch;
    private volatile Flag flag;
    /** Open and interrupted-but-not-yet-removed sessions. */
    private final List<Session> sessions = new ArrayList<>(2);

    private final List<Session> sessionsView = Collections.unmodifiableList(sessions);
    /** The fan-out of the current epoch while it runs (null once it finished); concurrent interrupts join it. */
    private CompletableFuture<InterruptResult> inFlight;
    /** The silence the latest fan-out awaits; interrupts that join that fan-out share it. */
    private InterruptSilence silence;
    /** The highest epoch whose modules this instance called (a cluster may number epochs elsewhere). */
    private long fannedOut;
    /** A session opened since the last interrupt: a new turn that a running fan-out did not reach. */
    private boolean openedSinceInterrupt;
    /** The tentative interrupt holding this device's sessions, while it waits for its decision. */
    private OpenPause pause;
    /** The speech policy the latest session that named one chose (null: the default). */
    private String speechPolicy;
    /** When (epoch millis) the current utterance interrupted the device, or -1 when it has not. */
    private long utteranceInterruptedAt = -1;
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

    // ---- what it is -------------------------------------------------------------------------------------

    long epoch() {
        return epoch;
    }

    Flag flag() {
        return flag;
    }

    /** Its sessions, read-only: they come and go through {@link #opened} and {@link #left}. */
    List<Session> sessions() {
        return sessionsView;
    }

    OpenPause pause() {
        return pause;
    }

    /** The highest epoch whose modules this instance called. */
    long fannedOut() {
        return fannedOut;
    }

    /** The fan-out an interrupt joins instead of starting a new turn: still running, and no session opened since. */
    CompletableFuture<InterruptResult> joinableFanOut() {
        return inFlight != null && !inFlight.isDone() && !openedSinceInterrupt ? inFlight : null;
    }

    /** The silence the running fan-out awaits. */
    InterruptSilence silence() {
        return silence;
    }

    /** The speech policy its sessions chose, or null for the default. */
    String speechPolicy() {
        return speechPolicy;
    }

    /** Whether an assistant speaks here: an open session, or a pause holding one. */
    boolean speaking() {
        if (pause != null) {
            return true;
        }
        for (Session session : sessions) {
            if (session.state().isOpen()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a report at {@code nowMillis} of sound lasting {@code speechMs} belongs to the utterance that already
     * interrupted the device: its sound began before that interrupt. Sound that began after it is a new utterance,
     * so a detector that never says final does not silence the policy, and reports of one utterance that arrive out
     * of order still count as one.
     */
    boolean utteranceInterrupted(long nowMillis, long speechMs) {
        return utteranceInterruptedAt >= 0 && nowMillis - speechMs <= utteranceInterruptedAt;
    }

    // ---- the turn ---------------------------------------------------------------------------------------

    /** An interrupt numbered {@code newEpoch} begins a turn: sessions opened from now on are the next turn's. */
    void startTurn(long newEpoch) {
        epoch = newEpoch;
        openedSinceInterrupt = false;
    }

    /** Another instance's interrupt joined the running fan-out with its own, higher, number. */
    void joinedAt(long newEpoch) {
        epoch = newEpoch;
    }

    /** The cluster's epoch, read as a session was admitted: the device is at least there. */
    void adopt(long clusterEpoch) {
        epoch = Math.max(epoch, clusterEpoch);
    }

    /** The interrupt's fan-out runs: later interrupts may join it until it finishes. */
    void launched(CompletableFuture<InterruptResult> fanOut, long fanOutEpoch, InterruptSilence awaited) {
        inFlight = fanOut;
        fannedOut = Math.max(fannedOut, fanOutEpoch);
        silence = awaited;
    }

    /** A finished fan-out is forgotten (it would hold its whole result for the device's life); false if replaced. */
    boolean finished(CompletableFuture<InterruptResult> fanOut) {
        if (inFlight != fanOut) {
            return false;
        }
        inFlight = null;
        silence = null;
        return true;
    }

    /**
     * The cluster numbered {@code clusterEpoch} the interrupt this instance applied as {@code localEpoch}. The device
     * rises to it, and its open sessions of that turn (opened here since) belong to the cluster's number; returns
     * them, so the registry hears of their epoch.
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

    // ---- sessions, pause, flag ----------------------------------------------------------------------------

    /** A session joins the device; one of the current turn makes a new turn that a running fan-out did not reach. */
    void opened(Session session, boolean currentTurn) {
        sessions.add(session);
        if (currentTurn) {
            openedSinceInterrupt = true;
        }
    }

    void left(Session session) {
        sessions.remove(session);
    }

    /** The pause now holds the device's sessions. */
    void hold(OpenPause held) {
        pause = held;
    }

    /** The pause is taken off the device by whoever decides it. */
    void release() {
        pause = null;
    }

    /** A session named the speech policy for this device. */
    void choosePolicy(String policy) {
        speechPolicy = policy;
    }

    /** The current utterance interrupted the device at {@code atMillis}; -1 when it ended. */
    void utterance(long atMillis) {
        utteranceInterruptedAt = atMillis;
    }

    /** Through {@link DeviceTable#setFlag}, which mirrors it for the poll. */
    void flag(Flag newFlag) {
        flag = newFlag;
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
