package io.interrupthub.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A burst of subscribers beyond both limits, the stream cap ({@code interrupt.events.max-streams}) and the
 * server's connection cap ({@code server.jetty.max-connections}): every one of them is answered at once, either
 * its stream or {@code 503} with {@code Retry-After} within a second of asking, and none is left waiting — a
 * connection beyond the server's cap is answered and closed, not held in the accept queue.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "interrupt.events.max-streams=" + OverCapacityStreamsTest.MAX_STREAMS,
            "server.jetty.max-connections=" + OverCapacityStreamsTest.MAX_CONNECTIONS,
            "interrupt.log-interrupts=false"
        })
class OverCapacityStreamsTest {

    static final int MAX_STREAMS = 100;
    static final int MAX_CONNECTIONS = 150;
    private static final int SUBSCRIBERS = 300;
    private static final int ROUNDS = Integer.getInteger("streams.overcapacity.rounds", 1);
    /** The promise: a subscriber over a limit knows it within a second. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(1);

    private static final String STREAM_CAP = "interrupt.events.max-streams";
    private static final String CONNECTION_CAP = "connections are open";

    @LocalServerPort
    int port;

    @Autowired
    InterruptEventHub hub;

    @Test
    void everySubscriberOverTheStreamOrConnectionCapIsAnswered503WithRetryAfterWithinASecond() throws Exception {
        // A first burst, untimed, loads and compiles what refusing takes (a fresh JVM's first second is class
        // loading), as a service that has run for a while has it.
        burstOverBothCaps(0, false);
        for (int round = 1; round <= ROUNDS; round++) {
            burstOverBothCaps(round, true);
        }
    }

    private void burstOverBothCaps(int round, boolean timed) throws Exception {
        List<String> devices = IntStream.range(0, SUBSCRIBERS)
                .mapToObj(i -> "over-capacity-" + round + "-" + i)
                .toList();
        try (EventStreamClients pool = new EventStreamClients(port, SUBSCRIBERS)) {
            List<EventStreamClients.Client> clients = pool.openAtOnce(
                    devices,
                    text -> text.contains(":connected") || text.contains(STREAM_CAP) || text.contains(CONNECTION_CAP),
                    Duration.ofSeconds(30));

            assertThat(clients)
                    .as("every subscriber answered: its stream or 503, never nothing")
                    .allSatisfy(client -> assertThat(client.status())
                            .as("%s: %s", client.hardwareId, client.received())
                            .isIn(200, 503));
            List<EventStreamClients.Client> refused =
                    clients.stream().filter(client -> client.status() == 503).toList();
            assertThat(refused)
                    .as("refused with Retry-After and said why")
                    .allSatisfy(client -> assertThat(client.received())
                            .containsIgnoringCase("Retry-After: 5")
                            .containsAnyOf(STREAM_CAP, CONNECTION_CAP));
            long slowestMs = TimeUnit.NANOSECONDS.toMillis(refused.stream()
                    .mapToLong(client -> client.answeredNanos)
                    .max()
                    .orElse(0));
            System.out.printf(
                    "over capacity, round %d: %d refused, the slowest in %d ms%n", round, refused.size(), slowestMs);
            assertThat(timed ? refused : List.<EventStreamClients.Client>of())
                    .as("refused within %s of asking", ANSWERED_WITHIN)
                    .allSatisfy(client -> assertThat(TimeUnit.NANOSECONDS.toMillis(client.answeredNanos))
                            .as(client.hardwareId)
                            .isLessThanOrEqualTo(ANSWERED_WITHIN.toMillis()));
            Map<String, Long> why = refused.stream()
                    .collect(Collectors.groupingBy(
                            client -> client.received().contains(STREAM_CAP) ? STREAM_CAP : CONNECTION_CAP,
                            Collectors.counting()));
            assertThat(clients.stream().filter(client -> client.status() == 200))
                    .as("as many streams as the cap allows")
                    .hasSize(MAX_STREAMS);
            assertThat(why).as("both limits answered: %s", why).containsKeys(STREAM_CAP, CONNECTION_CAP);
        }
        await("the streams of the round released")
                .atMost(Duration.ofSeconds(30))
                .until(() -> hub.openStreams() == 0);
    }
}
