package io.interrupthub.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The gRPC server on its own port: the interrupt service, the standard health service and server reflection
 * (so {@code grpcurl} needs no .proto file). Stops gracefully: health turns NOT_SERVING, watch streams end,
 * new calls are refused UNAVAILABLE, calls in progress get up to {@code shutdownTimeout} to finish.
 */
final class InterruptGrpcServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptGrpcServer.class);

    private final InterruptGrpcProperties properties;
    private final InterruptGrpcService service;
    private final InterruptWatchHub watchers;
    private final List<ServerInterceptor> interceptors;
    private final boolean interruptsEnabled;
    private final HealthStatusManager health = new HealthStatusManager();
    private volatile @Nullable Server server;
    private @Nullable ExecutorService executor;
    /** Health and the watch streams end for good on stop, so a stopped server is not started again. */
    private boolean stopped;

    InterruptGrpcServer(
            InterruptGrpcProperties properties,
            InterruptGrpcService service,
            InterruptWatchHub watchers,
            List<ServerInterceptor> interceptors,
            boolean interruptsEnabled) {
        this.properties = properties;
        this.service = service;
        this.watchers = watchers;
        this.interceptors = interceptors;
        this.interruptsEnabled = interruptsEnabled;
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        if (stopped) {
            throw new IllegalStateException("the gRPC server was stopped and cannot be started again");
        }
        // Handlers never block (an InterruptSession answers from the interrupt's future), so a few threads serve.
        executor = Threads.fixed("interrupt-grpc-", properties.threads());
        ServerBuilder<?> builder = Grpc.newServerBuilderForPort(properties.port(), InsecureServerCredentials.create())
                .executor(executor)
                .maxInboundMessageSize((int)
                        Math.min(Integer.MAX_VALUE, properties.maxMessageSize().toBytes()))
                .addService(service)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(reflectionV1Alpha());
        interceptors.forEach(builder::intercept);
        try {
            server = builder.build().start();
        } catch (IOException e) {
            executor.shutdown();
            throw new UncheckedIOException(
                    "the gRPC server could not listen on port " + properties.port()
                            + " (interrupt.grpc.port, INTERRUPT_GRPC_PORT)",
                    e);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        // With interrupts switched off every InterruptSession is refused, so the service says it cannot serve.
        health.setStatus(
                StreamingServiceGrpc.SERVICE_NAME,
                interruptsEnabled ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        LOG.info("gRPC server started on port {} (streaming.StreamingService, health, reflection)", server.getPort());
    }

    /** grpcurl and other tools older than the v1 reflection protocol still ask with v1alpha. */
    @SuppressWarnings("deprecation")
    private static BindableService reflectionV1Alpha() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /** The port the server listens on; the one it picked when {@code interrupt.grpc.port} is 0. */
    int port() {
        Server running = server;
        if (running == null) {
            throw new IllegalStateException("the gRPC server is not running");
        }
        return running.getPort();
    }

    @Override
    public synchronized void stop() {
        Server running = server;
        if (running == null) {
            return;
        }
        stopped = true;
        health.enterTerminalState();
        watchers.shutdown();
        running.shutdown();
        Duration bound = properties.shutdownTimeout();
        try {
            if (!running.awaitTermination(bound.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("gRPC calls still running {} after shutdown began were cancelled", bound);
                running.shutdownNow();
                running.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            ExecutorService handlers = executor;
            if (handlers != null) { // set before the server that is running here was started
                handlers.shutdown();
            }
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /**
     * The web server's graceful shutdown phase: both servers drain together, before the manager interrupts the
     * sessions still open (InterruptShutdown, DEFAULT_PHASE - 4096).
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1024;
    }
}
