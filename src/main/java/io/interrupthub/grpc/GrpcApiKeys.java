package io.interrupthub.grpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;

/**
 * The REST API's keys ({@code INTERRUPT_API_KEYS}) on the gRPC port too, in the same header as metadata
 * ({@code x-api-key}): none is UNAUTHENTICATED, a wrong one PERMISSION_DENIED, as REST answers 401 and 403.
 * Installed only when keys are configured, so the seed's clients, which send none, work against the default.
 * The health service stays open for probes, as {@code /actuator/health} does.
 */
final class GrpcApiKeys implements ServerInterceptor {

    private final Metadata.Key<String> header;
    private final List<byte[]> keys;

    GrpcApiKeys(String header, List<String> keys) {
        this.header = Metadata.Key.of(header.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
        this.keys =
                keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String presented = headers.get(header);
        if (presented == null || presented.isEmpty()) {
            return refuse(
                    call,
                    Status.UNAUTHENTICATED.withDescription(
                            "an API key is required in the " + header.name() + " metadata"));
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        boolean known = false;
        for (byte[] key : keys) {
            known |= MessageDigest.isEqual(key, bytes); // every key compared, in constant time
        }
        if (!known) {
            return refuse(call, Status.PERMISSION_DENIED.withDescription("the API key is not valid"));
        }
        return next.startCall(call, headers);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
