package io.interrupthub.grpc;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The gRPC server ({@code interrupt.grpc.*}; {@code INTERRUPT_GRPC_ENABLED}, {@code INTERRUPT_GRPC_PORT}).
 *
 * @param enabled             off by default: the service then opens no gRPC port at all
 * @param port                its own port, apart from the HTTP API's; 50051, the seed's and gRPC's customary
 *                            port, so the seed's clients may not even need a new port; 0 picks a free one
 * @param maxWatchStreams     {@code WatchInterrupts} streams open at once; one more is refused RESOURCE_EXHAUSTED.
 *                            10000, from the streams benchmark (docs/BENCHMARKS.md, section 5): 10,000 streams, one
 *                            connection each, opened in one burst without a failure and kept about 9.5 KiB of heap
 *                            each (93 MiB); every stream also holds a file descriptor
 * @param watchBuffer         events one watch stream may have waiting while its client does not read; one more
 *                            ends that stream with RESOURCE_EXHAUSTED (the client reconnects and compares epochs)
 * @param shutdownTimeout     how long shutdown waits for calls in progress before cancelling them; above the
 *                            largest module timeout, so an InterruptSession in progress still gets its answer
 * @param maxMessageSize      the largest request accepted; a larger one is refused RESOURCE_EXHAUSTED
 * @param threads             threads that run the RPC handlers; they never block, so a few are enough
 */
@ConfigurationProperties("interrupt.grpc")
@Validated
public record InterruptGrpcProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("50051") @Min(0) @Max(65535) int port,
        @DefaultValue("10000") @Min(1) @Max(100_000) int maxWatchStreams,
        @DefaultValue("256") @Min(1) @Max(100_000) int watchBuffer,

        @DefaultValue("10s") @NotNull @DurationMin(millis = 0, message = "must not be negative")
        Duration shutdownTimeout,

        @DefaultValue("16KB") @NotNull DataSize maxMessageSize,
        @DefaultValue("4") @Min(1) @Max(256) int threads) {}
