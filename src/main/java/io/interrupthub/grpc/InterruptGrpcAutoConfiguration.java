package io.interrupthub.grpc;

import java.util.ArrayList;
import java.util.List;

import io.grpc.ServerInterceptor;
import io.interrupthub.autoconfigure.InterruptApiProperties;
import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.core.InterruptManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The gRPC drop-in for the seed's {@code InterruptSession} RPC, on its own port and the application's one
 * {@link InterruptManager}. Off unless {@code interrupt.grpc.enabled=true} ({@code INTERRUPT_GRPC_ENABLED=true}),
 * and only when gRPC is on the class path: the library declares it optional, as it does Spring Security.
 */
@AutoConfiguration(after = InterruptHubAutoConfiguration.class)
@ConditionalOnClass(
        name = {
            "io.grpc.Server",
            "io.grpc.stub.ServerCalls",
            "io.grpc.protobuf.services.HealthStatusManager",
            "com.google.protobuf.Message"
        })
@ConditionalOnBooleanProperty("interrupt.grpc.enabled")
@EnableConfigurationProperties(InterruptGrpcProperties.class)
public class InterruptGrpcAutoConfiguration {

    /** Writer threads for the watch streams; the manager tells it of every interrupt (it is an InterruptListener). */
    @Bean
    InterruptWatchHub interruptGrpcWatchHub(InterruptGrpcProperties properties) {
        return new InterruptWatchHub(
                properties.maxWatchStreams(), properties.watchBuffer(), Threads.fixed("interrupt-grpc-watch-", 2));
    }

    @Bean
    InterruptGrpcServer interruptGrpcServer(
            InterruptGrpcProperties properties,
            InterruptApiProperties api,
            InterruptManager manager,
            InterruptWatchHub watchers,
            ObjectProvider<InterruptGrpcMetrics> metrics) {
        // The last one added runs first: metrics see every call, refused ones included.
        List<ServerInterceptor> interceptors = new ArrayList<>();
        if (!api.keys().isEmpty()) {
            interceptors.add(new GrpcApiKeys(api.keyHeader(), api.keys()));
        }
        metrics.ifAvailable(interceptors::add);
        return new InterruptGrpcServer(
                properties,
                new InterruptGrpcService(manager, watchers),
                watchers,
                interceptors,
                manager.settings().enabled());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {

        @Bean
        InterruptGrpcMetrics interruptGrpcMetrics(InterruptWatchHub watchers) {
            return new InterruptGrpcMetrics(watchers);
        }
    }
}
