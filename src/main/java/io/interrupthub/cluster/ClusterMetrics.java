package io.interrupthub.cluster;

import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The cluster's health in numbers; no per-device or per-instance labels. */
final class ClusterMetrics implements MeterBinder {

    private final RedisInterruptCluster cluster;

    ClusterMetrics(RedisInterruptCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("interrupt.cluster.connected", cluster, c -> c.connected() ? 1 : 0)
                .description("1 while Redis is reachable, 0 while this instance is degraded to local interrupts")
                .register(registry);
        Gauge.builder("interrupt.cluster.peers", cluster, c -> c.peers().size())
                .description("Other instances seen alive at the last heartbeat")
                .register(registry);
        Gauge.builder("interrupt.cluster.pending.replays", cluster, RedisInterruptCluster::pendingReplays)
                .description("Devices interrupted during a Redis outage whose interrupt waits to be re-announced")
                .register(registry);
        counter(
                registry,
                "interrupt.cluster.outages",
                cluster.outages,
                "Times this instance lost Redis and went degraded");
        counter(
                registry,
                "interrupt.cluster.acks.missing",
                cluster.acksMissing,
                "Instances that did not acknowledge an interrupt within the acknowledgement timeout");
        counter(
                registry,
                "interrupt.cluster.replayed",
                cluster.replayed,
                "Interrupts made during an outage and announced to the cluster after it");
        counter(
                registry,
                "interrupt.cluster.reconciled",
                cluster.reconciled,
                "Devices whose local sessions were stopped on reconnect because the cluster had moved past them");
        counter(
                registry,
                "interrupt.cluster.dropped",
                cluster.dropped,
                "Registry updates or outage interrupts dropped because their bounded queue was full");
        counter(
                registry,
                "interrupt.cluster.failovers",
                cluster.failovers,
                "Reconnects that found a different Redis primary (failover or restart) and repaired what it lacked");
        counter(
                registry,
                "interrupt.cluster.repaired",
                cluster.repaired,
                "Lost writes put back after reconnecting: replayed signals, re-registered sessions, released slots");
        FunctionCounter.builder("interrupt.cluster.signals", cluster.signalsSent, LongAdder::sum)
                .description("Interrupt signals this instance sent to, or applied from, the cluster")
                .tag("direction", "sent")
                .register(registry);
        FunctionCounter.builder("interrupt.cluster.signals", cluster.signalsApplied, LongAdder::sum)
                .description("Interrupt signals this instance sent to, or applied from, the cluster")
                .tag("direction", "applied")
                .register(registry);
    }

    private static void counter(MeterRegistry registry, String name, LongAdder adder, String description) {
        FunctionCounter.builder(name, adder, LongAdder::sum)
                .description(description)
                .register(registry);
    }
}
