package io.interrupthub.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything the manager is tuned by. The first six are the service's classic environment variables; the
 * rest are the bounds this implementation adds so that nothing grows without limit. Build one with
 * {@link #builder()}: every setting not given keeps its {@code DEFAULT_*} value, the one place each default
 * is defined (the Spring properties start from these constants too).
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
 * @param silenceDeadline {@code INTERRUPT_SILENCE_DEADLINE}, how long after an interrupt every session it marked has to report stopped before its silence counts as missed
 * @param resumeWindow       {@code INTERRUPT_RESUME_WINDOW}, how long a tentative interrupt's pause waits for a resume or a real interrupt
 * @param tentativeExpiry    {@code INTERRUPT_TENTATIVE_EXPIRY}, what a pause becomes when its window ends with neither
 * @param recoveryDeadline   {@code INTERRUPT_RECOVERY_DEADLINE}, how long after an interrupt the device's next turn has to deliver output before its recovery counts as missed
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
        Duration silenceDeadline,
        Duration resumeWindow,
        TentativeExpiry tentativeExpiry,
        Duration recoveryDeadline) {

    /** Interrupts are honoured. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Clients that poll are told to poll every 100 ms. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(100);
    /** A flag stays set for 5 s; a module without a timeout of its own gets as long. */
    public static final Duration DEFAULT_INTERRUPT_TIMEOUT = Duration.ofSeconds(5);
    /** An interrupted session stays visible for 2 s. */
    public static final Duration DEFAULT_CLEANUP_DELAY = Duration.ofSeconds(2);
    /** At most 100 sessions are open at once. */
    public static final int DEFAULT_MAX_ACTIVE_SESSIONS = 100;
    /** A session without a heartbeat for 5 minutes expires. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(300);
    /** The last 1,000 interrupts are kept for the history. */
    public static final int DEFAULT_HISTORY_SIZE = 1000;
    /** At most 100,000 devices hold state at once. */
    public static final int DEFAULT_MAX_DEVICES = 100_000;
    /** At most 64 {@code onInterrupt} callbacks per session. */
    public static final int DEFAULT_MAX_CALLBACKS_PER_SESSION = 64;
    /** Expired state is reclaimed every 250 ms. */
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMillis(250);
    /** 16 threads call modules in parallel. */
    public static final int DEFAULT_MODULE_THREADS = 16;
    /** 1,024 module calls may wait for a thread. */
    public static final int DEFAULT_MODULE_QUEUE_CAPACITY = 1024;

    /** Every session an interrupt marked must report stopped within 2 s (the longest tail of buffered audio seen on telephony edges, with a margin). */
    public static final Duration DEFAULT_SILENCE_DEADLINE = Duration.ofSeconds(2);

    /**
     * A pause waits 2 s for its decision: long enough for a transcript to say whether words were spoken,
     * short enough that a held answer has not gone stale (the false-interruption timeout voice stacks use).
     */
    public static final Duration DEFAULT_RESUME_WINDOW = Duration.ofSeconds(2);

    /** A pause nobody decided resumes: no words followed the sound, so it was a false interruption. */
    public static final TentativeExpiry DEFAULT_TENTATIVE_EXPIRY = TentativeExpiry.RESUME;

    /**
     * The next turn has 10 s after an interrupt to deliver its first output: an answer starts within a few seconds
     * even through a slow model; ten seconds of silence after a barge-in is a session that went quiet.
     */
    public static final Duration DEFAULT_RECOVERY_DEADLINE = Duration.ofSeconds(10);

    public InterruptSettings {
        positive(recoveryDeadline, "recoveryDeadline");
        positive(resumeWindow, "resumeWindow");
        Objects.requireNonNull(tentativeExpiry, "tentativeExpiry");
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

    /** Every setting at its {@code DEFAULT_*} value. */
    public static InterruptSettings defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder()
                .enabled(enabled)
                .checkInterval(checkInterval)
                .interruptTimeout(interruptTimeout)
                .cleanupDelay(cleanupDelay)
                .maxActiveSessions(maxActiveSessions)
                .sessionTimeout(sessionTimeout)
                .historySize(historySize)
                .maxDevices(maxDevices)
                .maxCallbacksPerSession(maxCallbacksPerSession)
                .sweepInterval(sweepInterval)
                .moduleThreads(moduleThreads)
                .moduleQueueCapacity(moduleQueueCapacity)
                .silenceDeadline(silenceDeadline)
                .resumeWindow(resumeWindow)
                .tentativeExpiry(tentativeExpiry)
                .recoveryDeadline(recoveryDeadline);
    }

    /** Builds {@link InterruptSettings}; {@link #build()} checks every value. */
    public static final class Builder {

        private boolean enabled = DEFAULT_ENABLED;
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private Duration interruptTimeout = DEFAULT_INTERRUPT_TIMEOUT;
        private Duration cleanupDelay = DEFAULT_CLEANUP_DELAY;
        private int maxActiveSessions = DEFAULT_MAX_ACTIVE_SESSIONS;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private int historySize = DEFAULT_HISTORY_SIZE;
        private int maxDevices = DEFAULT_MAX_DEVICES;
        private int maxCallbacksPerSession = DEFAULT_MAX_CALLBACKS_PER_SESSION;
        private Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;
        private int moduleThreads = DEFAULT_MODULE_THREADS;
        private int moduleQueueCapacity = DEFAULT_MODULE_QUEUE_CAPACITY;

        private Duration silenceDeadline = DEFAULT_SILENCE_DEADLINE;
        private Duration resumeWindow = DEFAULT_RESUME_WINDOW;
        private TentativeExpiry tentativeExpiry = DEFAULT_TENTATIVE_EXPIRY;
        private Duration recoveryDeadline = DEFAULT_RECOVERY_DEADLINE;

        private Builder() {}

        public Builder enabled(boolean value) {
            enabled = value;
            return this;
        }

        public Builder checkInterval(Duration value) {
            checkInterval = value;
            return this;
        }

        public Builder interruptTimeout(Duration value) {
            interruptTimeout = value;
            return this;
        }

        public Builder cleanupDelay(Duration value) {
            cleanupDelay = value;
            return this;
        }

        public Builder maxActiveSessions(int value) {
            maxActiveSessions = value;
            return this;
        }

        public Builder sessionTimeout(Duration value) {
            sessionTimeout = value;
            return this;
        }

        public Builder historySize(int value) {
            historySize = value;
            return this;
        }

        public Builder maxDevices(int value) {
            maxDevices = value;
            return this;
        }

        public Builder maxCallbacksPerSession(int value) {
            maxCallbacksPerSession = value;
            return this;
        }

        public Builder sweepInterval(Duration value) {
            sweepInterval = value;
            return this;
        }

        public Builder moduleThreads(int value) {
            moduleThreads = value;
            return this;
        }

        public Builder moduleQueueCapacity(int value) {
            moduleQueueCapacity = value;
            return this;
        }

        public Builder silenceDeadline(Duration value) {
            silenceDeadline = value;
            return this;
        }

        public Builder resumeWindow(Duration value) {
            resumeWindow = value;
            return this;
        }

        public Builder recoveryDeadline(Duration value) {
            recoveryDeadline = value;
            return this;
        }

        public Builder tentativeExpiry(TentativeExpiry value) {
            tentativeExpiry = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public InterruptSettings build() {
            return new InterruptSettings(
                    enabled,
                    checkInterval,
                    interruptTimeout,
                    cleanupDelay,
                    maxActiveSessions,
                    sessionTimeout,
                    historySize,
                    maxDevices,
                    maxCallbacksPerSession,
                    sweepInterval,
                    moduleThreads,
                    moduleQueueCapacity,
                    silenceDeadline,
                    resumeWindow,
                    tentativeExpiry,
                    recoveryDeadline);
        }
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
