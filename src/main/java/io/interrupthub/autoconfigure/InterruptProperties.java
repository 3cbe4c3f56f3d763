package io.interrupthub.autoconfigure;

import java.time.Duration;

import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.TentativeExpiry;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The interrupt manager's settings, {@code interrupt.*}. Each default is the core's
 * ({@link InterruptSettings}'s {@code DEFAULT_*} constants), defined there once. Durations take plain seconds
 * ({@code 0.1}, {@code 5.0}, {@code 300}) as well as units ({@code 100ms}, {@code 5s}); the environment variable
 * named in each description sets the property too ({@link EnvironmentVariables}).
 */
@ConfigurationProperties("interrupt")
@Validated
public class InterruptProperties {

    static final String POSITIVE = "must be a positive duration (seconds such as 0.1, 5.0, 300, or 100ms, 5s)";
    static final String NOT_NEGATIVE = "must not be negative (seconds such as 0, 2.0, or 500ms)";

    /** Whether interrupts are honoured at all (GLOBAL_INTERRUPT_ENABLED); off, every interrupt is refused. */
    private boolean enabled = InterruptSettings.DEFAULT_ENABLED;

    /** How often clients that poll are told to poll (INTERRUPT_CHECK_INTERVAL). */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration checkInterval = InterruptSettings.DEFAULT_CHECK_INTERVAL;

    /** How long an interrupt's flag stays set, and the timeout of a module without one of its own (INTERRUPT_TIMEOUT). */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration timeout = InterruptSettings.DEFAULT_INTERRUPT_TIMEOUT;

    /** How long an interrupted session stays visible before it is removed (SESSION_CLEANUP_DELAY). */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 0, message = NOT_NEGATIVE)
    private Duration sessionCleanupDelay = InterruptSettings.DEFAULT_CLEANUP_DELAY;

    /** Sessions open at once; one more is refused (MAX_ACTIVE_SESSIONS). */
    @Min(1)
    @Max(10_000_000)
    private int maxActiveSessions = InterruptSettings.DEFAULT_MAX_ACTIVE_SESSIONS;

    /** Heartbeat silence after which a session expires (SESSION_TIMEOUT). */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration sessionTimeout = InterruptSettings.DEFAULT_SESSION_TIMEOUT;

    /** Whether every interrupt is logged, one line each (LOG_INTERRUPTS). */
    private boolean logInterrupts = true;

    /** Whether that line carries each module's duration (LOG_TIMING). */
    private boolean logTiming = true;

    /** Interrupts kept for GET /interrupts, newest first. */
    @Min(1)
    @Max(1_000_000)
    private int historySize = InterruptSettings.DEFAULT_HISTORY_SIZE;

    /** Devices that may hold state (a flag or sessions) at once; one more is refused. */
    @Min(1)
    @Max(100_000_000)
    private int maxDevices = InterruptSettings.DEFAULT_MAX_DEVICES;

    /** onInterrupt callbacks one session may hold. */
    @Min(1)
    @Max(10_000)
    private int maxCallbacksPerSession = InterruptSettings.DEFAULT_MAX_CALLBACKS_PER_SESSION;

    /** How often expired flags, sessions and devices are reclaimed. */
    @PlainSeconds
    @NotNull
    @DurationMin(millis = 1, message = "must be at least 1ms")
    private Duration sweepInterval = InterruptSettings.DEFAULT_SWEEP_INTERVAL;

    /** Threads that call modules in parallel. */
    @Min(1)
    @Max(1024)
    private int moduleThreads = InterruptSettings.DEFAULT_MODULE_THREADS;

    /** Module calls that may wait for a thread; one more is refused and counted as failed. */
    @Min(1)
    @Max(1_000_000)
    private int moduleQueueCapacity = InterruptSettings.DEFAULT_MODULE_QUEUE_CAPACITY;

    /** An interrupt that takes longer than this, end to end, counts as a missed latency budget in the metrics. */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration latencyBudget = Duration.ofMillis(250);

    /**
     * How long after an interrupt every session it marked has to report stopped (POST /sessions/{id}/stopped)
     * before its silence counts as missed (INTERRUPT_SILENCE_DEADLINE).
     */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration silenceDeadline = InterruptSettings.DEFAULT_SILENCE_DEADLINE;

    /**
     * How long a tentative interrupt's pause waits for POST /interrupt/{id}/resume or a real interrupt
     * (INTERRUPT_RESUME_WINDOW; plain numbers are seconds).
     */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration resumeWindow = InterruptSettings.DEFAULT_RESUME_WINDOW;

    /**
     * What a pause becomes when its resume window ends with neither a resume nor an interrupt: resume (a sound
     * without words was a false interruption) or interrupt (INTERRUPT_TENTATIVE_EXPIRY).
     */
    @NotNull
    private TentativeExpiry tentativeExpiry = InterruptSettings.DEFAULT_TENTATIVE_EXPIRY;

    /**
     * How long after an interrupt the device's next turn has to deliver its first output (POST
     * /sessions/{id}/delivered) before the interrupt's recovery counts as missed (INTERRUPT_RECOVERY_DEADLINE).
     */
    @PlainSeconds
    @NotNull
    @DurationMin(nanos = 1, message = POSITIVE)
    private Duration recoveryDeadline = InterruptSettings.DEFAULT_RECOVERY_DEADLINE;

    /** The core settings these properties describe. */
    public InterruptSettings toSettings() {
        return InterruptSettings.builder()
                .enabled(enabled)
                .checkInterval(checkInterval)
                .interruptTimeout(timeout)
                .cleanupDelay(sessionCleanupDelay)
                .maxActiveSessions(maxActiveSessions)
                .sessionTimeout(sessionTimeout)
                .historySize(historySize)
                .maxDevices(maxDevices)
                .maxCallbacksPerSession(maxCallbacksPerSession)
                .sweepInterval(sweepInterval)
                .moduleThreads(moduleThreads)
                .moduleQueueCapacity(moduleQueueCapacity)
                .silenceDeadline(silenceDeadline)
                .recoveryDeadline(recoveryDeadline)
                .resumeWindow(resumeWindow)
                .tentativeExpiry(tentativeExpiry)
                .build();
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getCheckInterval() {
        return checkInterval;
    }

    public void setCheckInterval(Duration checkInterval) {
        this.checkInterval = checkInterval;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getSessionCleanupDelay() {
        return sessionCleanupDelay;
    }

    public void setSessionCleanupDelay(Duration sessionCleanupDelay) {
        this.sessionCleanupDelay = sessionCleanupDelay;
    }

    public int getMaxActiveSessions() {
        return maxActiveSessions;
    }

    public void setMaxActiveSessions(int maxActiveSessions) {
        this.maxActiveSessions = maxActiveSessions;
    }

    public Duration getSessionTimeout() {
        return sessionTimeout;
    }

    public void setSessionTimeout(Duration sessionTimeout) {
        this.sessionTimeout = sessionTimeout;
    }

    public boolean isLogInterrupts() {
        return logInterrupts;
    }

    public void setLogInterrupts(boolean logInterrupts) {
        this.logInterrupts = logInterrupts;
    }

    public boolean isLogTiming() {
        return logTiming;
    }

    public void setLogTiming(boolean logTiming) {
        this.logTiming = logTiming;
    }

    public int getHistorySize() {
        return historySize;
    }

    public void setHistorySize(int historySize) {
        this.historySize = historySize;
    }

    public int getMaxDevices() {
        return maxDevices;
    }

    public void setMaxDevices(int maxDevices) {
        this.maxDevices = maxDevices;
    }

    public int getMaxCallbacksPerSession() {
        return maxCallbacksPerSession;
    }

    public void setMaxCallbacksPerSession(int maxCallbacksPerSession) {
        this.maxCallbacksPerSession = maxCallbacksPerSession;
    }

    public Duration getSweepInterval() {
        return sweepInterval;
    }

    public void setSweepInterval(Duration sweepInterval) {
        this.sweepInterval = sweepInterval;
    }

    public int getModuleThreads() {
        return moduleThreads;
    }

    public void setModuleThreads(int moduleThreads) {
        this.moduleThreads = moduleThreads;
    }

    public int getModuleQueueCapacity() {
        return moduleQueueCapacity;
    }

    public void setModuleQueueCapacity(int moduleQueueCapacity) {
        this.moduleQueueCapacity = moduleQueueCapacity;
    }

    public Duration getLatencyBudget() {
        return latencyBudget;
    }

    public void setLatencyBudget(Duration latencyBudget) {
        this.latencyBudget = latencyBudget;
    }

    public Duration getResumeWindow() {
        return resumeWindow;
    }

    public void setResumeWindow(Duration resumeWindow) {
        this.resumeWindow = resumeWindow;
    }

    public TentativeExpiry getTentativeExpiry() {
        return tentativeExpiry;
    }

    public void setTentativeExpiry(TentativeExpiry tentativeExpiry) {
        this.tentativeExpiry = tentativeExpiry;
    }

    public Duration getSilenceDeadline() {
        return silenceDeadline;
    }

    public void setSilenceDeadline(Duration silenceDeadline) {
        this.silenceDeadline = silenceDeadline;
    }

    public Duration getRecoveryDeadline() {
        return recoveryDeadline;
    }

    public void setRecoveryDeadline(Duration recoveryDeadline) {
        this.recoveryDeadline = recoveryDeadline;
    }
}
