package io.interrupthub.cluster;

import java.time.Duration;

import io.interrupthub.autoconfigure.PlainSeconds;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Scale-out, {@code interrupt.cluster.*}: several instances share epochs, flags, sessions and interrupts through
 * Redis, whose address comes from Spring's own {@code spring.data.redis.*} properties.
 *
 * @param enabled           whether this instance joins a cluster (INTERRUPT_CLUSTER_ENABLED); off, it needs
 *                          nothing external
 * @param instance          this instance's name in the cluster (INTERRUPT_CLUSTER_INSTANCE), unique in it; empty
 *                          for the host name and a random suffix
 * @param namespace         prefix of every Redis key
 * @param ackTimeout        how long an interrupt waits for the other instances; empty for the interrupt timeout
 *                          plus one second (their modules' budget and a margin)
 * @param heartbeatInterval how often an instance says it is alive; three missed and it is gone
 * @param reconnectInterval how often an instance that lost Redis tries again
 * @param keyTtl            how long a device's epoch is remembered after it was last used
 * @param streamMaxLength   signals kept for instances that catch up after a blip
 * @param maxPending        interrupts awaiting acknowledgements, and devices awaiting replay, at once
 * @param answerWait        the longest a request that would like Redis's answer (a session's admission under the
 *                          cluster-wide cap, a flag's epoch) waits for it before this instance answers from its own
 *                          state; a Redis command running longer marks Redis as slow, and such requests then answer
 *                          locally at once. Interrupts, pauses, heartbeats and stop receipts never wait for Redis.
 * @param commitOrdering    {@code cluster}: a commit that Redis cannot order against the cluster's interrupts in time
 *                          is refused with 503 and Retry-After (retry); {@code local}: it is decided on this
 *                          instance's order alone, so an interrupt issued on another instance meanwhile may be missed
 */
@ConfigurationProperties("interrupt.cluster")
@Validated
public record InterruptClusterProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("") String instance,
        @DefaultValue("interrupt-hub") @NotBlank String namespace,
        @PlainSeconds Duration ackTimeout,

        @DefaultValue("1s") @PlainSeconds @NotNull @DurationMin(millis = 10, message = "must be at least 10ms")
        Duration heartbeatInterval,

        @DefaultValue("500ms") @PlainSeconds @NotNull @DurationMin(millis = 10, message = "must be at least 10ms")
        Duration reconnectInterval,

        @DefaultValue("24h") @PlainSeconds @NotNull @DurationMin(seconds = 1, message = "must be at least 1s")
        Duration keyTtl,

        @DefaultValue("10000") @Min(100) @Max(10_000_000) int streamMaxLength,
        @DefaultValue("10000") @Min(1) @Max(10_000_000) int maxPending,

        @DefaultValue("75ms") @PlainSeconds @NotNull @DurationMin(millis = 1, message = "must be at least 1ms")
        Duration answerWait,

        @DefaultValue("cluster") @NotNull ClusterSettings.CommitOrdering commitOrdering) {}
