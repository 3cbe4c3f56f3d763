package io.interrupthub.grpc;

import io.grpc.Status;
import io.interrupthub.core.InterruptHubException;

/** The gRPC status for each kind of refusal: the REST API's status codes, said the gRPC way. */
final class GrpcStatuses {

    private GrpcStatuses() {}

    static Status of(InterruptHubException refusal) {
        Status status = switch (refusal.kind()) {
            case INVALID_INPUT -> Status.INVALID_ARGUMENT; // 400
            case NOT_FOUND -> Status.NOT_FOUND; // 404
            case CONFLICT -> Status.FAILED_PRECONDITION; // 409
            case LIMIT_REACHED -> Status.RESOURCE_EXHAUSTED; // 429
            case DISABLED, UNAVAILABLE -> Status.UNAVAILABLE; // 503
        };
        return status.withDescription(refusal.getMessage());
    }

    /** Anything else is a bug of ours: its message may name internals, so the client gets none of it. */
    static Status unexpected() {
        return Status.INTERNAL.withDescription("the interrupt could not be carried out");
    }
}
