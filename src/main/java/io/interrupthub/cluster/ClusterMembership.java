package io.interrupthub.cluster;

import org.springframework.context.SmartLifecycle;

/**
 * Leaves the cluster on shutdown at the right moment: after the shutdown interrupts (which still claim
 * their epochs from Redis) and before the Redis client stops, so the others stop expecting this
 * instance at once rather than wait out its heartbeats.
 */
final class ClusterMembership implements SmartLifecycle {

    /** Below the shutdown interrupts ({@code DEFAULT_PHASE - 4096}), above the Redis client (phase 0). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 8192;

    private final RedisInterruptCluster cluster;
    private volatile boolean running;

    ClusterMembership(RedisInterruptCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        cluster.leave();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
