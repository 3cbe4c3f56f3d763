package io.interrupthub.web;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A thousand event streams opened in the same instant against the real server on loopback, as a load test
 * opens them. Opening, writing and completing a stream from several threads must never let two threads use
 * one response at once: Tomcat recycles its request and response objects, so such a race answers some
 * client wrongly and logs errors (a {@code NullPointerException} in {@code MimeHeaders}, a non-recycled
 * request). Every stream must be answered 200 with its greeting and then its own first event, and the
 * server must log no warning or error while it happens.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "interrupt.events.max-streams=2000",
            "interrupt.log-interrupts=false",
            "interrupt.max-devices=10000"
        })
class EventStreamBurstTest {

    private static final int STREAMS = 1_000;
    /** More rounds in one server (-Dstreams.burst.rounds=10) to look for a race that shows once in many bursts. */
    private static final int ROUNDS = Integer.getInteger("streams.burst.rounds", 1);

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @LocalServerPort
    int port;

    @Autowired
    InterruptEventHub hub;

    @Autowired
    InterruptManager manager;

    private final ListAppender<ILoggingEvent> serverLog = new ListAppender<>();

    @BeforeEach
    void captureTheServerLog() {
        serverLog.start();
        root().addAppender(serverLog);
    }

    @AfterEach
    void stopCapturing() {
        root().detachAppender(serverLog);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void aThousandStreamsOpenedAtOnceAreEachAnswered200WithTheirFirstEventAndTheServerLogsNoError() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            burst();
        }
    }

    private void burst() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        List<String> devices = IntStream.range(0, STREAMS)
                .mapToObj(i -> "burst-" + run + "-" + i)
                .toList();
        try (EventStreamClients clients = new EventStreamClients(port, STREAMS)) {
            List<EventStreamClients.Client> opened = clients.openAtOnce(devices, ":connected", PATIENCE);

            assertThat(opened).as("every stream is answered 200 and greeted").allSatisfy(client -> {
                assertThat(client.status())
                        .as("status for %s: %s", client.hardwareId, client.received())
                        .isEqualTo(200);
                assertThat(client.received()).contains(":connected");
            });
            await().atMost(PATIENCE).until(() -> hub.openStreams() == STREAMS);

            for (String device : devices) {
                manager.interrupt(device, "burst");
            }
            List<EventStreamClients.Client> missing =
                    clients.readAll(client -> "\"hardwareId\":\"" + client.hardwareId + "\"", PATIENCE);
            assertThat(missing)
                    .as("streams that did not get their device's interrupt")
                    .isEmpty();
        }
        await().atMost(PATIENCE).until(() -> hub.openStreams() == 0);

        assertThat(serverLog.list)
                .as("warnings and errors the server logged during the burst")
                .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(event -> event.getLoggerName() + ": " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : " " + event.getThrowableProxy().getClassName() + ": "
                                        + event.getThrowableProxy().getMessage()))
                .isEmpty();
    }
}
