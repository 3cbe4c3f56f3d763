package io.interrupthub.web.console;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console against a hub whose event streams are all taken: it is refused 503 with {@code Retry-After: 5},
 * waits at least that long before it asks again (not its usual first second), and goes live once a stream is
 * free.
 */
@Tag("browser")
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interrupt.events.max-streams=1", "interrupt.events.heartbeat=1s"})
class ConsoleFullHubBrowserTest {

    private static final Pattern WAITING = Pattern.compile("reconnecting in (\\d+) s");

    private static Browser browser;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() throws IOException {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void refusedBecauseTheHubIsFullTheConsoleWaitsTheRetryAfterThenGoesLiveOnceAStreamIsFree() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> taken = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/interrupts/events"))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(taken.statusCode()).as("the one stream the hub allows").isEqualTo(200);

        browser.open("http://127.0.0.1:" + port + "/");
        browser.waitFor(
                "the console refused and waiting",
                d -> "waiting".equals(browser.attribute("#connection", "data-state")));
        Matcher waiting = WAITING.matcher(browser.text("#connection"));
        assertThat(waiting.find()).as(browser.text("#connection")).isTrue();
        assertThat(Integer.parseInt(waiting.group(1)))
                .as("seconds it waits: the Retry-After of 5 and its jitter, not its own first pause of 1 s")
                .isBetween(5, 7);

        taken.body().close(); // found gone at the next heartbeat (1 s), so the slot is free again
        browser.waitFor(
                "the console live once the stream is free",
                Duration.ofSeconds(30),
                d -> "live".equals(browser.attribute("#connection", "data-state")));
    }
}
