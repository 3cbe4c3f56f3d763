package io.interrupthub.grpc;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.interrupthub.autoconfigure.InterruptConfigurationFailureAnalyzer;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.grpc.proto.InterruptRequest;
import io.interrupthub.grpc.proto.InterruptResponse;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** When the gRPC server exists, what it says while interrupts are off, and how it stops. */
class GrpcServerLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(InterruptHubAutoConfiguration.class, InterruptGrpcAutoConfiguration.class))
            .withPropertyValues("interrupt.log-interrupts=false");

    private static ManagedChannel channel(int port) {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
                .build();
    }

    private static StreamingServiceGrpc.StreamingServiceBlockingStub stub(ManagedChannel channel) {
        return StreamingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static InterruptRequest request(String hardwareId) {
        return InterruptRequest.newBuilder().setHardwareId(hardwareId).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void offByDefaultNoPortIsOpenedAndAClientGetsUnavailable() throws Exception {
        int port = freePort();
        runner.withPropertyValues("interrupt.grpc.port=" + port).run(context -> {
            assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(InterruptManager.class)
                    .doesNotHaveBean(InterruptGrpcServer.class)
                    .doesNotHaveBean(InterruptWatchHub.class);
            ManagedChannel channel = channel(port);
            try {
                StatusRuntimeException refused = catchThrowableOfType(
                        StatusRuntimeException.class, () -> stub(channel).interruptSession(request("nobody-listens")));
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            } finally {
                close(channel);
            }
        });
    }

    @Test
    void theEnvironmentVariablesSwitchItOnAndPickThePort() {
        runner.withInitializer(context -> context.getEnvironment()
                        .getPropertySources()
                        .addFirst(new SystemEnvironmentPropertySource(
                                "test-env", Map.of("INTERRUPT_GRPC_ENABLED", "true", "INTERRUPT_GRPC_PORT", "0"))))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(InterruptGrpcServer.class);
                    int port = context.getBean(InterruptGrpcServer.class).port();
                    assertThat(port).isPositive().isNotEqualTo(50051);
                    ManagedChannel channel = channel(port);
                    try {
                        InterruptResponse response = stub(channel).interruptSession(request("env-switched"));
                        assertThat(response.getSuccess()).isTrue();
                        assertThat(context.getBean(InterruptManager.class)
                                        .flagStatus("env-switched")
                                        .interrupted())
                                .as("the application's one manager took it")
                                .isTrue();
                    } finally {
                        close(channel);
                    }
                });
    }

    @Test
    void anApplicationWithoutGrpcOnItsClassPathStartsWithoutTheServer() {
        runner.withPropertyValues("interrupt.grpc.enabled=true", "interrupt.grpc.port=0")
                .withClassLoader(new FilteredClassLoader("io.grpc."))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .hasSingleBean(InterruptManager.class)
                        .doesNotHaveBean(InterruptGrpcServer.class));
    }

    @Test
    void aPortInUseStopsStartUpWithAMessageNamingTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            runner.withPropertyValues("interrupt.grpc.enabled=true", "interrupt.grpc.port=" + taken.getLocalPort())
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .hasStackTraceContaining("interrupt.grpc.port"));
        }
    }

    @Test
    void aBadPortStopsStartUpWithOneLineNamingTheVariable() {
        runner.withInitializer(context -> context.getEnvironment()
                        .getPropertySources()
                        .addFirst(new SystemEnvironmentPropertySource(
                                "test-env", Map.of("INTERRUPT_GRPC_ENABLED", "true", "INTERRUPT_GRPC_PORT", "70000"))))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new InterruptConfigurationFailureAnalyzer()
                                    .analyze(context.getStartupFailure())
                                    .getDescription())
                            .isEqualTo("INTERRUPT_GRPC_PORT: '70000' must be less than or equal to 65535");
                });
    }

    @Test
    void whileInterruptsAreSwitchedOffInterruptSessionIsUnavailableAndHealthSaysNotServing() {
        runner.withPropertyValues("interrupt.grpc.enabled=true", "interrupt.grpc.port=0", "interrupt.enabled=false")
                .run(context -> {
                    ManagedChannel channel =
                            channel(context.getBean(InterruptGrpcServer.class).port());
                    try {
                        StatusRuntimeException refused = catchThrowableOfType(
                                StatusRuntimeException.class,
                                () -> stub(channel).interruptSession(request("switched-off")));
                        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(refused.getStatus().getDescription()).contains("GLOBAL_INTERRUPT_ENABLED=false");
                        HealthGrpc.HealthBlockingStub health =
                                HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                        assertThat(health.check(HealthCheckRequest.newBuilder()
                                                .setService("streaming.StreamingService")
                                                .build())
                                        .getStatus())
                                .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
                        assertThat(health.check(HealthCheckRequest.getDefaultInstance())
                                        .getStatus())
                                .as("the server itself is up")
                                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                    } finally {
                        close(channel);
                    }
                });
    }

    @Test
    void withApiKeysConfiguredEveryCallButHealthNeedsOneInTheSameHeader() {
        runner.withPropertyValues(
                        "interrupt.grpc.enabled=true", "interrupt.grpc.port=0", "interrupt.api.keys=old-key,new-key")
                .run(context -> {
                    ManagedChannel channel =
                            channel(context.getBean(InterruptGrpcServer.class).port());
                    try {
                        StatusRuntimeException none = catchThrowableOfType(
                                StatusRuntimeException.class,
                                () -> stub(channel).interruptSession(request("keyed")));
                        assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(none.getStatus().getDescription()).contains("x-api-key");
                        StatusRuntimeException wrong = catchThrowableOfType(
                                StatusRuntimeException.class,
                                () -> withKey(stub(channel), "guess").interruptSession(request("keyed")));
                        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(wrong.getStatus().getDescription()).doesNotContain("old-key", "new-key", "guess");
                        assertThat(context.getBean(InterruptManager.class)
                                        .flagStatus("keyed")
                                        .epoch())
                                .as("refused calls change nothing")
                                .isZero();

                        assertThat(withKey(stub(channel), "new-key")
                                        .interruptSession(request("keyed"))
                                        .getSuccess())
                                .isTrue();
                        assertThat(HealthGrpc.newBlockingStub(channel)
                                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                                        .check(HealthCheckRequest.getDefaultInstance())
                                        .getStatus())
                                .as("probes need no key")
                                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                    } finally {
                        close(channel);
                    }
                });
    }

    private static StreamingServiceGrpc.StreamingServiceBlockingStub withKey(
            StreamingServiceGrpc.StreamingServiceBlockingStub stub, String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** A module that holds an interrupt until the test lets it go. */
    static final class HeldModule {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Interruptible module() {
            return Interruptible.of("held", ModuleAction.of("stop_generation", cause -> {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS);
            }));
        }
    }

    /**
     * Graceful shutdown: watch streams end at once with UNAVAILABLE (a worker reconnects elsewhere), new calls are
     * refused UNAVAILABLE, and an InterruptSession already running still gets its answer.
     */
    @Test
    void shutdownEndsWatchStreamsRefusesNewCallsAndLetsCallsInProgressFinish() {
        HeldModule held = new HeldModule();
        runner.withBean("held", Interruptible.class, held::module)
                .withPropertyValues(
                        "interrupt.grpc.enabled=true",
                        "interrupt.grpc.port=0",
                        "interrupt.timeout=30s",
                        "interrupt.grpc.shutdown-timeout=20s")
                .run(context -> {
                    ManagedChannel channel =
                            channel(context.getBean(InterruptGrpcServer.class).port());
                    try (Watch watch = Watch.open(channel, "")) {
                        assertThat(watch.next(WAIT).hasSubscribed()).isTrue();
                        ListenableFuture<InterruptResponse> inProgress = StreamingServiceGrpc.newFutureStub(channel)
                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                .interruptSession(request("held-during-shutdown"));
                        assertThat(held.entered.await(10, TimeUnit.SECONDS))
                                .as("the module holds the interrupt")
                                .isTrue();

                        CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);

                        Status end = watch.awaitEnd(WAIT);
                        assertThat(end)
                                .as("the watch stream ended within %s", WAIT)
                                .isNotNull();
                        assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        AtomicReference<Status> refusal = new AtomicReference<>();
                        await().atMost(WAIT).until(() -> {
                            StatusRuntimeException refused = catchThrowableOfType(
                                    StatusRuntimeException.class,
                                    () -> stub(channel).interruptSession(request("after-shutdown-began")));
                            refusal.set(refused == null ? null : refused.getStatus());
                            return refused != null;
                        });
                        assertThat(refusal.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(inProgress.isDone())
                                .as("still held by the module")
                                .isFalse();
                        assertThat(closing).as("shutdown waits for it").isNotDone();

                        held.release.countDown();
                        InterruptResponse answer = inProgress.get(10, TimeUnit.SECONDS);
                        assertThat(answer.getSuccess()).isTrue();
                        assertThat(answer.getHardwareId()).isEqualTo("held-during-shutdown");
                        closing.get(10, TimeUnit.SECONDS);
                    } finally {
                        held.release.countDown();
                        close(channel);
                    }
                });
    }

    @Test
    void shutdownCancelsCallsStillRunningAfterItsBound() {
        HeldModule held = new HeldModule();
        runner.withBean("held", Interruptible.class, held::module)
                .withPropertyValues(
                        "interrupt.grpc.enabled=true",
                        "interrupt.grpc.port=0",
                        "interrupt.timeout=30s",
                        "interrupt.grpc.shutdown-timeout=200ms")
                .run(context -> {
                    ManagedChannel channel =
                            channel(context.getBean(InterruptGrpcServer.class).port());
                    try {
                        ListenableFuture<InterruptResponse> inProgress = StreamingServiceGrpc.newFutureStub(channel)
                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                .interruptSession(request("held-too-long"));
                        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();

                        CompletableFuture.runAsync(context::close).get(10, TimeUnit.SECONDS);

                        Throwable failure = catchThrowableOfType(
                                        java.util.concurrent.ExecutionException.class,
                                        () -> inProgress.get(10, TimeUnit.SECONDS))
                                .getCause();
                        assertThat(Status.fromThrowable(failure).getCode())
                                .isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
                    } finally {
                        held.release.countDown();
                        close(channel);
                    }
                });
    }
}
