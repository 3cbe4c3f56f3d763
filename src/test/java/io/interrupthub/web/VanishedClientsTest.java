package io.interrupthub.web;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that vanish — closed cleanly (FIN) or reset (RST) — are found within one heartbeat interval plus
 * five seconds, and everything the server held for them is freed: their streams, their async requests and
 * the server's connections, measured as the server's retained heap returning to where it was
 * before they came.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interrupt.events.heartbeat=1s", "interrupt.events.max-streams=2000"})
class VanishedClientsTest {

    private static final int CLIENTS = Integer.getInteger("vanish.clients", 400);
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** The promise: found and freed within one heartbeat interval plus five seconds. */
    private static final Duration RELEASED_WITHIN = HEARTBEAT.plusSeconds(5);
    /**
     * Retained heap may differ from the baseline by this much once they are gone: the noise of a running
     * server after full collections (tens of KiB in practice), against a few MiB that 400 open streams hold
     * (asserted, so that this check can fail).
     */
    private static final long TOLERANCE_BYTES = 1L << 20;

    @LocalServerPort
    int port;

    @Autowired
    InterruptEventHub hub;

    @Autowired
    WebServerApplicationContext context;

    @Test
    void cleanlyClosedAndResetClientsAreReleasedWithinAHeartbeatAndFiveSecondsAndTheHeapReturnsToItsBaseline()
            throws Exception {
        for (int round = 0; round < Integer.getInteger("streams.vanish.rounds", 1); round++) {
            vanishAndRelease();
        }
    }

    private void vanishAndRelease() throws Exception {
        // A first round that vanishes too, so the baseline already has the server's pools and
        // everything else a server keeps after its first thousand requests.
        vanish(open("warm-up"), 0);
        long idleConnections = 0;
        await("the warm-up round released")
                .atMost(RELEASED_WITHIN.multipliedBy(2))
                .until(() -> hub.openStreams() == 0 && connections() <= idleConnections);
        long baseline = retainedHeap();

        List<EventStreamClients.Client> clients = open("vanishing");
        long withClients = retainedHeap();
        assertThat(withClients - baseline).as("what the open streams hold").isGreaterThan(2 * TOLERANCE_BYTES);
        long vanishedAt = System.nanoTime();
        vanish(clients, CLIENTS / 2);
        clients = null;

        await("every stream and every connection of a vanished client released")
                .atMost(RELEASED_WITHIN)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> hub.openStreams() == 0 && connections() <= idleConnections);
        long releasedAfter = System.nanoTime() - vanishedAt;
        // Nothing of them is reachable any more; a full collection, slow on a loaded machine, proves it.
        long[] after = new long[1];
        await("retained heap back to the baseline")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> (after[0] = retainedHeap()) <= baseline + TOLERANCE_BYTES);
        System.out.printf(
                "vanished clients: baseline %d KiB, with %d streams %d KiB (%d bytes per stream, client"
                        + " side included), after %d KiB, released in %d ms%n",
                baseline >> 10,
                CLIENTS,
                withClients >> 10,
                (withClients - baseline) / CLIENTS,
                after[0] >> 10,
                Duration.ofNanos(releasedAfter).toMillis());
    }

    /** Opens the streams and waits until each is greeted; the client objects live in this JVM too. */
    private List<EventStreamClients.Client> open(String prefix) throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        List<String> devices = IntStream.range(0, CLIENTS)
                .mapToObj(i -> prefix + "-" + run + "-" + i)
                .toList();
        EventStreamClients pool = new EventStreamClients(port, CLIENTS);
        List<EventStreamClients.Client> clients = pool.openAtOnce(devices, ":connected", Duration.ofSeconds(60));
        pool.stopThreads();
        assertThat(clients).allSatisfy(client -> assertThat(client.status()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.openStreams() == CLIENTS);
        return clients;
    }

    /** The first {@code resets} clients reset their connection, the others close it cleanly. */
    private static void vanish(List<EventStreamClients.Client> clients, int resets) {
        for (int i = 0; i < clients.size(); i++) {
            if (i < resets) {
                clients.get(i).reset();
            } else {
                clients.get(i).close();
            }
        }
    }

    /** The connections the server holds open now. */
    private long connections() {
        JettyWebServer server = (JettyWebServer) context.getWebServer();
        return Arrays.stream(server.getServer().getConnectors())
                .mapToLong(connector -> connector.getConnectedEndPoints().size())
                .sum();
    }

    private static long retainedHeap() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(
                    least,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
