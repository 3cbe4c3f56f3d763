package io.interrupthub.web.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With API keys configured the page still loads, asks for a key, keeps it in memory only, and then works;
 * when its event stream ends it reconnects by itself, with the key, and misses nothing.
 */
@Tag("browser")
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "INTERRUPT_API_KEYS=console-key-1",
            // The service ends every event stream after this, so the console has to reconnect and resume.
            "interrupt.events.stream-timeout=2s"
        })
class ConsoleApiKeyBrowserTest {

    private static final String KEY = "console-key-1";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

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
    void theConsoleAsksForTheKeyRefusesAWrongOneAndKeepsTheRightOneInMemoryOnly() throws Exception {
        browser.open("http://127.0.0.1:" + port + "/");
        awaitPrompt();
        assertThat(browser.attribute("#connection", "data-state")).isEqualTo("key");
        assertThat(browser.text("#key-header")).isEqualTo("X-API-Key");

        enterKey("not-the-key");
        awaitPrompt();
        browser.waitFor(
                "the refusal explained",
                d -> "That key was refused. Try another.".equals(browser.text("#key-message")));

        enterKey(KEY);
        browser.waitFor(
                "the prompt closed", d -> browser.findAll("#key-dialog[open]").isEmpty());
        browser.waitFor(
                "the console live with the key", d -> "live".equals(browser.attribute("#connection", "data-state")));
        browser.waitFor(
                "the statistics read with the key",
                d -> browser.text("#stat-total").matches("\\d+"));

        String hardwareId = "console-key-device";
        HttpResponse<String> sent = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/interrupt/" + hardwareId))
                        .timeout(Duration.ofSeconds(30))
                        .header("X-API-Key", KEY)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).isEqualTo(200);
        browser.waitFor(
                "the interrupt pushed over the keyed event stream",
                d -> !browser.findAll("#interrupt-rows tr.interrupt[data-hardware-id='" + hardwareId + "']")
                        .isEmpty());

        @SuppressWarnings("unchecked")
        List<Object> stored = (List<Object>)
                browser.script("return [localStorage.length, sessionStorage.length, document.cookie, location.href];");
        assertThat(stored).containsExactly(0L, 0L, "", "http://127.0.0.1:" + port + "/");

        browser.open("http://127.0.0.1:" + port + "/");
        awaitPrompt(); // a reload forgets the key
    }

    @Test
    void theLiveViewReconnectsByItselfAndMissesNoInterrupt() throws Exception {
        browser.open("http://127.0.0.1:" + port + "/");
        awaitPrompt();
        enterKey(KEY);
        browser.waitFor("the console live", d -> "live".equals(browser.attribute("#connection", "data-state")));
        int before = connections();

        // Interrupts one after another while the streams end and the console comes back, so some of them
        // happen while it is away; bounded, and paced by the calls themselves rather than by sleeps.
        List<String> sent = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (connections() < before + 2 && System.nanoTime() < deadline && sent.size() < 400) {
            String hardwareId = "console-resume-" + sent.size();
            interrupt(hardwareId);
            sent.add(hardwareId);
        }
        assertThat(connections()).as("connections made by the console").isGreaterThanOrEqualTo(before + 2);

        // Only the most recent 100 are kept on the page.
        List<String> expected = sent.subList(Math.max(0, sent.size() - 100), sent.size());
        browser.waitFor(
                "every interrupt sent across the reconnections",
                d -> browser.script(
                                        "return [...document.querySelectorAll('#interrupt-rows tr.interrupt')].map(row => row.dataset.hardwareId);")
                                instanceof List<?> shown
                        && shown.containsAll(expected));
    }

    private int connections() {
        String count = browser.attribute("#connection", "data-connections");
        return count == null ? 0 : Integer.parseInt(count);
    }

    private void interrupt(String hardwareId) throws Exception {
        HttpResponse<String> sent = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/interrupt/" + hardwareId + "?wait=false"))
                        .timeout(Duration.ofSeconds(30))
                        .header("X-API-Key", KEY)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).isEqualTo(202);
    }

    private static void awaitPrompt() {
        browser.waitFor(
                "the API key prompt",
                d -> !browser.findAll("#key-dialog[open]").isEmpty()
                        && browser.find("#key-input").isDisplayed());
    }

    private static void enterKey(String key) {
        browser.find("#key-input").sendKeys(key);
        browser.find("#key-submit").click();
    }
}
