package io.interrupthub.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.interrupthub.core.HardwareIds;
import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.SpeechReport;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.InterruptRequest;
import io.interrupthub.grpc.proto.InterruptResponse;
import io.interrupthub.grpc.proto.SpeechDecided;
import io.interrupthub.grpc.proto.SpeechRequest;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import io.interrupthub.grpc.proto.WatchInterruptsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code streaming.StreamingService}: the seed's {@code InterruptSession} on the one {@link InterruptManager}
 * the REST API uses, and {@code WatchInterrupts}. Handlers never block: the answer is sent when the
 * interrupt's future completes, so a slow module holds no handler thread.
 */
final class InterruptGrpcService extends StreamingServiceGrpc.StreamingServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptGrpcService.class);

    private final InterruptManager manager;
    private final InterruptWatchHub watchers;

    InterruptGrpcService(InterruptManager manager, InterruptWatchHub watchers) {
        this.manager = manager;
        this.watchers = watchers;
    }

    @Override
    public void interruptSession(InterruptRequest request, StreamObserver<InterruptResponse> responseObserver) {
        ServerCallStreamObserver<InterruptResponse> call =
                (ServerCallStreamObserver<InterruptResponse>) responseObserver;
        call.setOnCancelHandler(() -> {
            // The interrupt goes on: the device must stop whether or not this caller still listens.
        });
        InterruptFuture future;
        try {
            // The manager checks the id and text, as for REST, so refusals are counted in one place.
            future = manager.interrupt(
                    request.getHardwareId(),
                    Messages.orNull(request.getReason()),
                    Messages.orNull(request.getSource()));
        } catch (RuntimeException refused) {
            refuse(call, "InterruptSession", refused);
            return;
        }
        future.whenComplete((result, error) -> {
            if (call.isCancelled()) {
                return;
            }
            if (error != null) {
                LOG.error("InterruptSession failed", error);
                call.onError(GrpcStatuses.unexpected().asRuntimeException());
                return;
            }
            call.onNext(Messages.response(result));
            call.onCompleted();
        });
    }

    /** Answers at once: a decision that interrupts does not wait for the interrupt's modules. */
    @Override
    public void reportSpeech(SpeechRequest request, StreamObserver<SpeechDecided> responseObserver) {
        SpeechDecided decided;
        try {
            // The manager and the report check the id, the transcript and the length, as for REST.
            decided = Messages.speechDecided(manager.reportSpeech(
                    request.getHardwareId(),
                    new SpeechReport(request.getTranscript(), request.getSpeechMs(), request.getIsFinal())));
        } catch (RuntimeException refused) {
            refuse(responseObserver, "ReportSpeech", refused);
            return;
        }
        responseObserver.onNext(decided);
        responseObserver.onCompleted();
    }

    /** A refusal of the manager's as the status it maps to; anything else is a bug, logged and answered INTERNAL. */
    private static void refuse(StreamObserver<?> call, String rpc, RuntimeException error) {
        if (error instanceof InterruptHubException refused) {
            call.onError(GrpcStatuses.of(refused).asRuntimeException());
        } else {
            LOG.error("{} failed", rpc, error);
            call.onError(GrpcStatuses.unexpected().asRuntimeException());
        }
    }

    @Override
    public void watchInterrupts(WatchInterruptsRequest request, StreamObserver<InterruptEvent> responseObserver) {
        ServerCallStreamObserver<InterruptEvent> call = (ServerCallStreamObserver<InterruptEvent>) responseObserver;
        String hardwareId = Messages.orNull(request.getHardwareId());
        long epoch = 0;
        if (hardwareId != null) {
            if (!HardwareIds.isValid(hardwareId)) {
                call.onError(Status.INVALID_ARGUMENT
                        .withDescription(
                                "hardware_id must match " + HardwareIds.PATTERN + ", or be empty to watch every device")
                        .asRuntimeException());
                return;
            }
            epoch = manager.flagStatus(hardwareId).epoch();
        }
        watchers.watch(hardwareId, request.getSpeech(), epoch, call);
    }
}
