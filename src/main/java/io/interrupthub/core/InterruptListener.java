package io.interrupthub.core;

/**
 * Told what happened, after it happened. Called on the thread that made the change; keep it short
 * and never block. A listener that throws is logged and does not affect the interrupt or others.
 */
public interface InterruptListener {

    /**
     * An interrupt has bumped the epoch, set the flag and marked the sessions listed; its modules are
     * being called now. The earliest moment a remote worker can be told. Not called for callers that
     * joined a running interrupt (same epoch).
     */
    default void interruptStarted(InterruptCause cause, java.util.List<String> sessionIds) {}

    /** A fan-out finished; called once per epoch, before any caller sees the result. */
    default void interruptCompleted(InterruptResult result) {}

    /**
     * The sessions an interrupt marked all went quiet ({@code CONFIRMED}), or its silence deadline passed
     * first ({@code MISSED}); once per interrupt that marked a session. Called on the thread of the last
     * stop receipt, or the sweep's.
     */
    default void silenceResolved(SilenceReport silence) {}

    /**
     * A tentative interrupt paused the device: hold its output. Called once per pause, after its sessions
     * were marked {@code PAUSED}; a second tentative interrupt while it lasts is not a new pause.
     */
    default void paused(Pause pause) {}

    /**
     * A pause was decided ({@link Pause#outcome()}): resumed, so the held output goes on, or confirmed (by a
     * caller or its expiry), in which case {@link #interruptStarted} follows for the interrupt it became.
     */
    default void pauseEnded(Pause pause) {}

    /**
     * A report of speech was decided ({@link SpeechOutcome}): ignored, paused, interrupted or resumed, and by which
     * rule of which policy. Called once per report, after the pause, resume or interrupt it caused.
     */
    default void speechDecided(SpeechOutcome outcome) {}

    /**
     * The turn after an interrupt made here was resolved: its first delivery came ({@code RECOVERED}), the recovery
     * deadline passed first ({@code MISSED}), or another interrupt of the device took its place ({@code SUPERSEDED}).
     */
    default void recoveryResolved(RecoveryReport recovery) {}

    /** A session was opened, interrupted, ended, expired, reported stopped or committed a side effect. */
    default void sessionChanged(SessionInfo session) {}
}
