package io.interrupthub.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.web.InterruptEventsApiTest.Api;
import io.interrupthub.web.InterruptEventsApiTest.EventStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On shutdown the event hub completes every open stream before the web server's graceful shutdown waits for
 * open requests, so a client sees the end of its stream at once and the application stops without waiting out
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
class InterruptEventsShutdownTest {

    /** Graceful shutdown would wait this long for a stream that was left open. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    @Test
    void closingTheApplicationEndsOpenStreamsCleanlyAndDoesNotWaitForThem() throws Exception {
        // Arguments, not builder properties: SpringApplication's default properties rank below the service's
        // packaged defaults (@PropertySource), whose server.port ${PORT:8080} would win over server.port=0.
        ConfigurableApplicationContext context = new SpringApplicationBuilder(InterruptHubApplication.class)
                .run(
                        "--server.port=0",
                        "--server.shutdown=graceful",
                        "--spring.lifecycle.timeout-per-shutdown-phase=" + GRACE.toSeconds() + "s",
                        // No heartbeat during the test: the stream must end because of the shutdown, not a write.
                        "--interrupt.events.heartbeat=5m");
        ExecutorService closer = Executors.newSingleThreadExecutor();
        List<EventStream> streams = List.of();
        try {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            assertThat(port).as("a random port").isNotEqualTo(8080).isPositive();
            String hw = unique("events-shutdown");
            EventStream ofDevice = EventStream.open(port, hw, null);
            EventStream everything = EventStream.open(port, null, null);
            streams = List.of(ofDevice, everything);
            for (EventStream stream : streams) {
                stream.awaitConnected();
            }
            new Api(port).interrupt(hw, "before-shutdown", null);
            for (EventStream stream : streams) {
                stream.awaitEvent(e -> e.is(InterruptEventHub.INTERRUPT_RESULT, hw));
                assertThat(stream.ended())
                        .as("the stream is open before shutdown")
                        .isFalse();
            }

            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close, closer);

            for (EventStream stream : streams) {
                assertThat(stream.awaitEnd(Duration.ofSeconds(5)))
                        .as("the client sees its stream end within 5 s of shutdown: %s", stream)
                        .isTrue();
                assertThat(stream.closedByClient()).isFalse();
                assertThat(stream.failure())
                        .as("the stream ended normally, not with a broken connection: %s", stream)
                        .isNull();
            }
            try {
                closing.get(15, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(
                        "context.close() took longer than 15 s: graceful shutdown waited for the" + " open streams", e);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("shutdown time").isLessThan(Duration.ofSeconds(15));
            assertThat(context.isActive()).isFalse();
        } finally {
            streams.forEach(EventStream::close);
            if (context.isActive()) {
                closer.submit(context::close);
            }
            closer.shutdown();
            closer.awaitTermination(GRACE.plusSeconds(10).toSeconds(), TimeUnit.SECONDS);
        }
    }
}
