package io.interrupthub.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.StreamingServiceGrpc;
import io.interrupthub.grpc.proto.WatchInterruptsRequest;

/**
 * gRPC {@code WatchInterrupts} streams for {@link StreamCapacity}, one channel (so one connection) per stream,
 * as workers that each dial the service would hold them; all channels share two event loop threads and four
 * callback threads, so the client's own cost stays small beside the server's. Kept apart from
 * {@link StreamCapacity} so that the SSE runs need no gRPC on the class path.
 */
final class GrpcFleet implements StreamCapacity.Fleet {

    private final String host;
    private final int port;

    @SuppressWarnings("deprecation") // the shaded Netty's NIO group is the one its channel type goes with
    private final EventLoopGroup group = new NioEventLoopGroup(2);

    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<ManagedChannel> channels = Collections.synchronizedList(new ArrayList<>());
    private final ManagedChannel control;

    GrpcFleet(String host, int port) {
        this.host = host;
        this.port = port;
        this.control = channel();
    }

    private ManagedChannel channel() {
        return NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .eventLoopGroup(group)
                .channelType(NioSocketChannel.class)
                .executor(executor)
                .build();
    }

    @Override
    public void open(String hardwareId, StreamCapacity.Events events) {
        ManagedChannel channel = channel();
        channels.add(channel);
        StreamingServiceGrpc.newStub(channel)
                .watchInterrupts(
                        WatchInterruptsRequest.newBuilder()
                                .setHardwareId(hardwareId)
                                .build(),
                        new ClientResponseObserver<WatchInterruptsRequest, InterruptEvent>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<WatchInterruptsRequest> call) {}

                            @Override
                            public void onNext(InterruptEvent event) {
                                switch (event.getEventCase()) {
                                    case SUBSCRIBED -> events.answered();
                                    case STARTED ->
                                        events.event(event.getStarted().getHardwareId());
                                    default -> {}
                                }
                            }

                            @Override
                            public void onError(Throwable error) {
                                events.ended();
                            }

                            @Override
                            public void onCompleted() {
                                events.ended();
                            }
                        });
    }

    @Override
    public LongSupplier unaryRoundTrip() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(control);
        HealthCheckRequest request = HealthCheckRequest.getDefaultInstance();
        return () -> {
            long start = System.nanoTime();
            health.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).check(request);
            return System.nanoTime() - start;
        };
    }

    @Override
    public void vanish() {
        // shutdownNow closes each connection: the server sees its calls cancelled as the connection goes.
        synchronized (channels) {
            channels.forEach(ManagedChannel::shutdownNow);
        }
        control.shutdownNow();
        // The sockets are closed on the event loop after shutdownNow returns; stopping the loop first would leave
        // them open in this process, and the server would rightly keep them (seen: 405 of 500 left open).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (channels) {
            for (ManagedChannel channel : channels) {
                try {
                    channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        executor.shutdownNow();
    }
}
