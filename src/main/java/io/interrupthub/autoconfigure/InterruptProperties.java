package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.interrupthub.core.InterruptSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The service's settings under {@code interrupt.*}. The root {@code application.yml} maps the seed's
 * environment variables onto them ({@link SeedVariables} lists the pairs); the defaults here are the
 * seed's, so an application that embeds the library without that file gets the same behaviour.
 *
 * @param enabled              {@code GLOBAL_INTERRUPT_ENABLED}
 * @param checkInterval        {@code INTERRUPT_CHECK_INTERVAL}
 * @param timeout              {@code INTERRUPT_TIMEOUT}
 * @param sessionCleanupDelay  {@code SESSION_CLEANUP_DELAY}
 * @param maxActiveSessions    {@code MAX_ACTIVE_SESSIONS}
 * @param sessionTimeout       {@code SESSION_TIMEOUT}
 * @param logInterrupts        {@code LOG_INTERRUPTS}
 * @param logTiming            {@code LOG_TIMING}
 * @param historySize          interrupts kept for {@code GET /interrupts}
 * @param maxDevices           devices that may hold state at once
 * @param maxCallbacksPerSession {@code onInterrupt} callbacks one session may hold
 * @param sweepInterval        how often expired state is reclaimed
 * @param moduleThreads        threads that call modules in parallel
 * @param moduleQueueCapacity  module calls that may wait for a thread
 * @param latencyBudget        an interrupt that takes longer, end to end, counts as a missed budget
 * @param silenceDeadline      {@code INTERRUPT_SILENCE_DEADLINE}: stop receipts due within it after an interrupt
 * @param events               the Server-Sent Events stream
 * @param api                  API keys and request size limit
 * @param cluster              scale-out through Redis ({@code INTERRUPT_CLUSTER_ENABLED})
 */
@ConfigurationProperties("interrupt")
@Validated
public record InterruptProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("0.1") @SeedDuration @NotNull @DurationMin(nanos = 1, message = POSITIVE) Duration checkInterval,
        @DefaultValue("5.0") @SeedDuration @NotNull @DurationMin(nanos = 1, message = POSITIVE) Duration timeout,
        @DefaultValue("2.0") @SeedDuration @NotNull @DurationMin(nanos = 0, message = NOT_NEGATIVE) Duration sessionCleanupDelay,
        @DefaultValue("100") @Min(1) @Max(10_000_000) int maxActiveSessions,
        @DefaultValue("300") @SeedDuration @NotNull @DurationMin(nanos = 1, message = POSITIVE) Duration sessionTimeout,
        @DefaultValue("true") boolean logInterrupts,
        @DefaultValue("true") boolean logTiming,
        @DefaultValue("1000") @Min(1) @Max(1_000_000) int historySize,
        @DefaultValue("100000") @Min(1) @Max(100_000_000) int maxDevices,
        @DefaultValue("64") @Min(1) @Max(10_000) int maxCallbacksPerSession,
        @DefaultValue("250ms") @SeedDuration @NotNull @DurationMin(millis = 1, message = "must be at least 1ms") Duration sweepInterval,
        @DefaultValue("16") @Min(1) @Max(1024) int moduleThreads,
        @DefaultValue("1024") @Min(1) @Max(1_000_000) int moduleQueueCapacity,
        @DefaultValue("250ms") @SeedDuration @NotNull @DurationMin(nanos = 1, message = POSITIVE) Duration latencyBudget,
        @DefaultValue("2.0") @SeedDuration @NotNull @DurationMin(nanos = 1, message = POSITIVE) Duration silenceDeadline,
        @DefaultValue @Valid Events events,
        @DefaultValue @Valid Api api,
        @DefaultValue @Valid Cluster cluster) {

    /**
     * Scale-out: several instances share epochs, flags, sessions and interrupts through Redis, whose
     * address comes from Spring's own {@code spring.data.redis.*} properties.
     *
     * @param enabled           {@code INTERRUPT_CLUSTER_ENABLED}; off, the service needs nothing external
     * @param instance          this instance's name in the cluster; empty for the host name and a random suffix
     * @param namespace         prefix of every Redis key
     * @param ackTimeout        how long an interrupt waits for the other instances; empty for
     *                          {@code INTERRUPT_TIMEOUT} plus one second (their modules' budget and a margin)
     * @param heartbeatInterval how often an instance says it is alive; three missed and it is gone
     * @param reconnectInterval how often an instance that lost Redis tries again
     * @param keyTtl            how long a device's epoch is remembered after it was last used
     * @param streamMaxLength   signals kept for instances that catch up after a blip
     * @param maxPending        interrupts awaiting acknowledgements, and devices awaiting replay, at once
     */
    public record Cluster(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("") String instance,
            @DefaultValue("interrupt-hub") @NotBlank String namespace,
            @SeedDuration Duration ackTimeout,
            @DefaultValue("1s") @SeedDuration @NotNull @DurationMin(millis = 10, message = "must be at least 10ms") Duration heartbeatInterval,
            @DefaultValue("500ms") @SeedDuration @NotNull @DurationMin(millis = 10, message = "must be at least 10ms") Duration reconnectInterval,
            @DefaultValue("24h") @SeedDuration @NotNull @DurationMin(seconds = 1, message = "must be at least 1s") Duration keyTtl,
            @DefaultValue("10000") @Min(100) @Max(10_000_000) int streamMaxLength,
            @DefaultValue("10000") @Min(1) @Max(10_000_000) int maxPending) {
    }

    /**
     * The REST API's protection.
     *
     * @param keys           accepted API keys ({@code INTERRUPT_API_KEYS}, comma-separated for rotation);
     *                       none means the API is open, the embedded default
     * @param keyHeader      the request header that carries the key
     * @param maxBodySize    the largest request body accepted; a larger one is answered 413
     */
    public record Api(
            @DefaultValue("") List<String> keys,
            @DefaultValue("X-API-Key") @NotBlank String keyHeader,
            @DefaultValue("16KB") DataSize maxBodySize) {

        public List<String> keys() {
            return keys.stream().map(String::trim).filter(key -> !key.isEmpty()).toList();
        }
    }

    /**
     * The Server-Sent Events stream {@code GET /interrupts/events}.
     *
     * @param maxStreams    open streams at once; one more is answered 503
     * @param bufferSize    recent events kept so a reconnecting client resumes with {@code Last-Event-ID}
     * @param heartbeat     a comment on idle streams this often, so proxies keep them and dead clients are found
     * @param streamTimeout a stream is closed after this; clients reconnect and resume
     * @param queueCapacity events waiting to be sent; beyond it they are dropped and subscribers told of the gap
     */
    public record Events(
            @DefaultValue("256") @Min(1) @Max(100_000) int maxStreams,
            @DefaultValue("1024") @Min(1) @Max(1_000_000) int bufferSize,
            @DefaultValue("15s") @SeedDuration @NotNull @DurationMin(millis = 10, message = "must be at least 10ms") Duration heartbeat,
            @DefaultValue("30m") @SeedDuration @NotNull @DurationMin(seconds = 1, message = "must be at least 1s") Duration streamTimeout,
            @DefaultValue("65536") @Min(16) @Max(10_000_000) int queueCapacity) {
    }

    static final String POSITIVE = "must be a positive duration (seconds such as 0.1, 5.0, 300, or 100ms, 5s)";
    static final String NOT_NEGATIVE = "must not be negative (seconds such as 0, 2.0, or 500ms)";

    public InterruptSettings toSettings() {
        return new InterruptSettings(enabled, checkInterval, timeout, sessionCleanupDelay, maxActiveSessions,
                sessionTimeout, historySize, maxDevices, maxCallbacksPerSession, sweepInterval, moduleThreads,
                moduleQueueCapacity, silenceDeadline);
    }
}
