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
 * @param answerWait        the longest a request that would like Redis's answer (a session's admission under the
 *                          cluster-wide cap) waits for it before this instance answers from its own state; also how
 *                          long a Redis command may run before Redis counts as slow
 * @param commitOrdering    what a commit gets when Redis cannot order it against interrupts in time
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
        int maxActiveSessions,
        Duration answerWait,
        CommitOrdering commitOrdering) {

    /** The defaults of {@link InterruptClusterProperties} for the answer wait and the commit ordering. */
    public static final Duration DEFAULT_ANSWER_WAIT = Duration.ofMillis(75);

    /** What a commit gets when Redis cannot order it against the cluster's interrupts in time. */
    public enum CommitOrdering {
        /** Refused as unavailable (HTTP 503 with Retry-After): the caller retries, nothing ran. */
        CLUSTER,
        /** Decided on this instance's order alone: an interrupt issued elsewhere meanwhile may not be seen. */
        LOCAL
    }

    public ClusterSettings(
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
        this(
                instance,
                namespace,
                ackTimeout,
                heartbeatInterval,
                reconnectInterval,
                keyTtl,
                streamMaxLength,
                maxPending,
                interruptTimeout,
                sessionTimeout,
                cleanupDelay,
                maxActiveSessions,
                DEFAULT_ANSWER_WAIT,
                CommitOrdering.CLUSTER);
    }

    Duration liveness() {
        return heartbeatInterval.multipliedBy(3);
    }
}
