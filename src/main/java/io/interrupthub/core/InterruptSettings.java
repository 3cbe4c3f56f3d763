package io.interrupthub.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything the manager is tuned by. The first eight are the seed's variables; the rest are the
 * bounds this implementation adds so that nothing grows without limit.
 *
 * @param enabled            {@code GLOBAL_INTERRUPT_ENABLED}
 * @param checkInterval      {@code INTERRUPT_CHECK_INTERVAL}, the polling hint for clients that poll
 * @param interruptTimeout   {@code INTERRUPT_TIMEOUT}, how long a flag stays set; default module timeout
 * @param cleanupDelay       {@code SESSION_CLEANUP_DELAY}, how long an interrupted session stays visible
 * @param maxActiveSessions  {@code MAX_ACTIVE_SESSIONS}, hard cap on open sessions
 * @param sessionTimeout     {@code SESSION_TIMEOUT}, heartbeat silence after which a session expires
 * @param historySize        how many recent interrupts {@code GET /interrupts} can show
 * @param maxDevices         how many devices may hold state (flag or sessions) at once
 * @param maxCallbacksPerSession how many {@code onInterrupt} callbacks one session may hold
 * @param sweepInterval      how often expired flags, sessions and devices are reclaimed
 * @param moduleThreads      threads that run module actions in parallel
 * @param moduleQueueCapacity module calls that may wait for a thread before they are refused
 * @param silenceDeadline    {@code INTERRUPT_SILENCE_DEADLINE}, how long after an interrupt every session it
 *                           marked has to report stopped before its silence counts as missed
 */
public record InterruptSettings(
        boolean enabled,
        Duration checkInterval,
        Duration interruptTimeout,
        Duration cleanupDelay,
        int maxActiveSessions,
        Duration sessionTimeout,
        int historySize,
        int maxDevices,
        int maxCallbacksPerSession,
        Duration sweepInterval,
        int moduleThreads,
        int moduleQueueCapacity,
        Duration silenceDeadline) {

    /** Two seconds: the longest tail of buffered audio seen on telephony edges, with a margin. */
    public static final Duration DEFAULT_SILENCE_DEADLINE = Duration.ofSeconds(2);

    /** Settings with the default {@link #DEFAULT_SILENCE_DEADLINE}. */
    public InterruptSettings(boolean enabled, Duration checkInterval, Duration interruptTimeout, Duration cleanupDelay,
                             int maxActiveSessions, Duration sessionTimeout, int historySize, int maxDevices,
                             int maxCallbacksPerSession, Duration sweepInterval, int moduleThreads,
                             int moduleQueueCapacity) {
        this(enabled, checkInterval, interruptTimeout, cleanupDelay, maxActiveSessions, sessionTimeout, historySize,
                maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads, moduleQueueCapacity,
                DEFAULT_SILENCE_DEADLINE);
    }

    public InterruptSettings {
        positive(silenceDeadline, "silenceDeadline");
        positive(checkInterval, "checkInterval");
        positive(interruptTimeout, "interruptTimeout");
        notNegative(cleanupDelay, "cleanupDelay");
        positive(sessionTimeout, "sessionTimeout");
        positive(sweepInterval, "sweepInterval");
        atLeastOne(maxActiveSessions, "maxActiveSessions");
        atLeastOne(historySize, "historySize");
        atLeastOne(maxDevices, "maxDevices");
        atLeastOne(maxCallbacksPerSession, "maxCallbacksPerSession");
        atLeastOne(moduleThreads, "moduleThreads");
        atLeastOne(moduleQueueCapacity, "moduleQueueCapacity");
    }

    /** The seed's defaults and this implementation's bounds. */
    public static InterruptSettings defaults() {
        return new InterruptSettings(true, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(2),
                100, Duration.ofSeconds(300), 1000, 100_000, 64, Duration.ofMillis(250), 16, 1024);
    }

    public InterruptSettings withEnabled(boolean value) {
        return new InterruptSettings(value, checkInterval, interruptTimeout, cleanupDelay, maxActiveSessions,
                sessionTimeout, historySize, maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads,
                moduleQueueCapacity, silenceDeadline);
    }

    public InterruptSettings withMaxActiveSessions(int value) {
        return new InterruptSettings(enabled, checkInterval, interruptTimeout, cleanupDelay, value, sessionTimeout,
                historySize, maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads, moduleQueueCapacity,
                silenceDeadline);
    }

    public InterruptSettings withMaxDevices(int value) {
        return new InterruptSettings(enabled, checkInterval, interruptTimeout, cleanupDelay, maxActiveSessions,
                sessionTimeout, historySize, value, maxCallbacksPerSession, sweepInterval, moduleThreads,
                moduleQueueCapacity, silenceDeadline);
    }

    public InterruptSettings withHistorySize(int value) {
        return new InterruptSettings(enabled, checkInterval, interruptTimeout, cleanupDelay, maxActiveSessions,
                sessionTimeout, value, maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads,
                moduleQueueCapacity, silenceDeadline);
    }

    public InterruptSettings withSilenceDeadline(Duration value) {
        return new InterruptSettings(enabled, checkInterval, interruptTimeout, cleanupDelay, maxActiveSessions,
                sessionTimeout, historySize, maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads,
                moduleQueueCapacity, value);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    private static void notNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }

    private static void atLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
    }
}
