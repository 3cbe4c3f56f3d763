/**
 * The gRPC server: the {@code streaming.proto} service that stands in for the original {@code InterruptSession}
 * calls, and the watch streams through which remote workers take interrupts as they happen.
 */
@NullMarked
package io.interrupthub.grpc;

import org.jspecify.annotations.NullMarked;
