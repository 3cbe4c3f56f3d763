package io.interrupthub.grpc;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * {@code interrupt_grpc_requests_seconds{method, code}}: every RPC's duration by method and final status
 * (a watch stream counts when it ends); plus the open watch streams and those ended for falling behind.
 * Tags are bounded: the interceptor sees only the server's registered methods (an unknown one is answered
 * UNIMPLEMENTED before any interceptor), and gRPC has 17 codes.
 */
final class InterruptGrpcMetrics implements ServerInterceptor, MeterBinder {

    /** From a tenth of a millisecond to the longest sensible module timeout, as the interrupt histograms. */
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)
    };

    private final InterruptWatchHub watchers;
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
    private volatile @Nullable MeterRegistry registry;

    InterruptGrpcMetrics(InterruptWatchHub watchers) {
        this.watchers = watchers;
    }

    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        Gauge.builder("interrupt.grpc.watch.streams", watchers, InterruptWatchHub::openStreams)
                .description("Open WatchInterrupts streams, capped by interrupt.grpc.max-watch-streams")
                .register(meterRegistry);
        FunctionCounter.builder("interrupt.grpc.watch.overflows", watchers, InterruptWatchHub::overflows)
                .description("WatchInterrupts streams ended with RESOURCE_EXHAUSTED because their client fell behind")
                .register(meterRegistry);
        registry = meterRegistry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        long start = System.nanoTime();
        AtomicBoolean recorded = new AtomicBoolean();
        ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (recorded.compareAndSet(false, true)) {
                    record(method, status.getCode(), start);
                }
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
            @Override
            public void onCancel() {
                // The client went away (or its deadline passed) before the server closed the call.
                if (recorded.compareAndSet(false, true)) {
                    record(method, Status.Code.CANCELLED, start);
                }
                super.onCancel();
            }
        };
    }

    private void record(String method, Status.Code code, long startNanos) {
        MeterRegistry meterRegistry = registry;
        if (meterRegistry == null) {
            return;
        }
        timers.computeIfAbsent(
                        method + ' ' + code,
                        key -> Timer.builder("interrupt.grpc.requests")
                                .description("gRPC calls by method and status code, from the call's start to its end")
                                .tag("method", method)
                                .tag("code", code.name())
                                .serviceLevelObjectives(BUCKETS)
                                .register(meterRegistry))
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
