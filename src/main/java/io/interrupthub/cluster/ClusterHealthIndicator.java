package io.interrupthub.cluster;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code UP} while Redis is reachable; {@code DEGRADED} (answered 200: the instance still serves
 * local interrupts) while it is not, with how long and how many interrupts wait to be re-announced.
 */
final class ClusterHealthIndicator implements HealthIndicator {

    static final Status DEGRADED =
            new Status("DEGRADED", "Redis is unreachable: interrupts stay on this instance until it is back");

    private final RedisInterruptCluster cluster;

    ClusterHealthIndicator(RedisInterruptCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public Health health() {
        Health.Builder health = cluster.connected()
                ? Health.up()
                : Health.status(DEGRADED)
                        .withDetail("downSince", String.valueOf(cluster.downSince()))
                        .withDetail("lastError", cluster.lastError());
        return health.withDetail("instance", cluster.instance())
                .withDetail("peers", cluster.peers())
                .withDetail("pendingReplays", cluster.pendingReplays())
                .build();
    }
}
