package io.interrupthub.cluster;

import java.time.Duration;

/**
 * How an instance takes part in the cluster.
 *
 * @param instance          this instance's name, unique in the cluster
 * @param namespace         prefix of every Redis key
 * @param ackTimeout        how long an interrupt waits for the other instances to acknowledge it
 * @param heartbeatInterval how often an instance says it is alive; three missed ones and it is gone
 * @param reconnectInterval how often an instance that lost Redis tries again
 * @param keyTtl            how long a device's epoch is remembered after its last interrupt
 * @param streamMaxLength   signals kept in the stream for instances catching up after a blip
 * @param maxPending        interrupts awaiting acknowledgements at once, and devices awaiting replay
 * @param interruptTimeout  {@code INTERRUPT_TIMEOUT}: flag lifetime
 * @param sessionTimeout    {@code SESSION_TIMEOUT}
 * @param cleanupDelay      {@code SESSION_CLEANUP_DELAY}
 * @param maxActiveSessions {@code MAX_ACTIVE_SESSIONS}, cluster-wide
 */
public record ClusterSettings(
        String instance,
        String namespace,
        Duration ackTimeout,
        Duration heartbeatInterval,
        Duration reconnectInterval,
        Duration keyTtl,
        int streamMaxLength,
        int maxPending,
        Duration interruptTimeout,
        Duration sessionTimeout,
        Duration cleanupDelay,
        int maxActiveSessions) {

    Duration liveness() {
        return heartbeatInterval.multipliedBy(3);
    }
}
