package io.interrupthub.web.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.PauseOutcome;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real browser against the running service: it loads and goes live, shows what other
 * clients do as it happens, its buttons act on the service, and text from devices is shown, never run.
 */
@Tag("browser")
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "INTERRUPT_REFERENCE_ENABLED=true",
            "interrupt.reference.words=400",
            // Long enough that nothing a test looks at expires or is removed under it on a slow machine.
            "INTERRUPT_TIMEOUT=60",
            "SESSION_CLEANUP_DELAY=60"
        })
class ConsoleBrowserTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static Browser browser;

    @LocalServerPort
    int port;

    @Autowired
    InterruptManager manager;

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

    @BeforeEach
    void openTheConsole() {
        browser.consoleEntries(); // forget what earlier tests logged
        browser.open("http://127.0.0.1:" + port + "/");
        browser.waitFor(
                "the console to connect to the event stream",
                d -> "live".equals(browser.attribute("#connection", "data-state")));
    }

    @Test
    void thePageLoadsGoesLiveAndRunsUnderItsContentSecurityPolicyWithoutAnError() {
        assertThat(browser.driver().getTitle()).isEqualTo("Interrupt Hub console");
        browser.waitFor(
                "the statistics to be shown", d -> browser.text("#stat-total").matches("\\d+"));
        assertThat(browser.text("#stat-sessions")).matches("\\d+ / 100");
        assertThat(browser.find("#demo").isDisplayed())
                .as("the talk-over-it demo, with the reference pipeline on")
                .isTrue();
        List<LogEntry> problems = browser.consoleEntries().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
                .toList();
        assertThat(problems).as("script errors, CSP violations or failed loads").isEmpty();
    }

    @Test
    void anInterruptSentByAnotherClientAppearsInTheListWithinASecond() throws Exception {
        // The first one warms up the whole path (JIT, first render) with all the patience a busy machine needs.
        String warmUp = device("warm");
        post("/interrupt/" + warmUp, "{\"reason\": \"warm_up\"}");
        browser.waitFor("the warm-up interrupt in the list", d -> row(warmUp) != null);

        String hardwareId = device("curl");
        long sent = System.nanoTime();
        post("/interrupt/" + hardwareId + "?wait=false", "{\"reason\": \"user_barge_in\"}");
        browser.waitFor(
                "the interrupt of " + hardwareId + " in the list within a second",
                Duration.ofSeconds(1),
                d -> row(hardwareId) != null);
        long shownAfterMs = (System.nanoTime() - sent) / 1_000_000;
        System.out.println("console: interrupt shown " + shownAfterMs + " ms after it was sent");

        String css = rowCss(hardwareId);
        assertThat(browser.text(css + " .reason")).isEqualTo("user_barge_in");
        assertThat(browser.text(css + " .epoch")).isEqualTo("1");
        awaitOutcome(hardwareId);
        browser.waitFor("its modules", d -> browser.findAll(css + " .module").size() == 5);
        assertThat(browser.text(css + " .module[data-module='session_management'] .module-outcome"))
                .isEqualTo("OK");
        assertThat(browser.text(css + " .module[data-module='session_management'] .module-duration"))
                .endsWith(" ms");
        assertThat(browser.text(css + " .duration")).endsWith(" ms");
    }

    @Test
    void theInterruptButtonOfADeviceInterruptsItsSession() throws Exception {
        String hardwareId = device("button");
        String sessionId = openSession(hardwareId);
        String sessionCss = "li.session[data-session-id='" + sessionId + "']";
        browser.waitFor(
                "the new session, shown as ACTIVE", d -> "ACTIVE".equals(browser.attribute(sessionCss, "data-state")));

        browser.find("article.device[data-hardware-id='" + hardwareId + "'] .device-interrupt")
                .click();

        browser.waitFor(
                "the session shown as INTERRUPTED",
                d -> "INTERRUPTED".equals(browser.attribute(sessionCss, "data-state")));
        assertThat(manager.session(sessionId)).get().extracting(Session::state).isEqualTo(SessionState.INTERRUPTED);
        awaitOutcome(hardwareId); // the result is in the history before anyone is told of it
        InterruptResult last = manager.history(hardwareId, 1).get(0);
        assertThat(last.source()).isEqualTo("console");
        assertThat(last.sessionsInterrupted()).isEqualTo(1);
        assertThat(browser.text(rowCss(hardwareId) + " .sessions")).isEqualTo("1");
    }

    @Test
    void theFormsOpenAndInterruptAndTheButtonsResetTheFlagAndEndASession() throws Exception {
        String hardwareId = device("forms");
        type("#open-device", hardwareId);
        browser.find("#open-submit").click();
        String deviceCss = "article.device[data-hardware-id='" + hardwareId + "']";
        browser.waitFor(
                "the session opened from the form",
                d -> browser.findAll(deviceCss + " li.session").size() == 1);
        String sessionId = browser.attribute(deviceCss + " li.session", "data-session-id");
        assertThat(manager.session(sessionId)).get().extracting(Session::state).isEqualTo(SessionState.ACTIVE);

        type("#interrupt-device", hardwareId);
        type("#interrupt-reason", "typed in the console");
        browser.find("#interrupt-submit").click();
        browser.waitFor(
                "the session shown as INTERRUPTED",
                d -> "INTERRUPTED".equals(browser.attribute(deviceCss + " li.session", "data-state")));
        awaitOutcome(hardwareId);
        assertThat(manager.history(hardwareId, 1).get(0).reason()).isEqualTo("typed in the console");
        assertThat(browser.text(rowCss(hardwareId) + " .reason")).isEqualTo("typed in the console");

        String flagCss = "tr.flag[data-hardware-id='" + hardwareId + "']";
        browser.waitFor(
                "the device's flag with its remaining time",
                d -> browser.text(flagCss + " .remaining").matches("\\d+\\.\\d s"));
        assertThat(manager.shouldInterrupt(hardwareId)).isTrue();
        browser.find(flagCss + " .flag-reset").click();
        browser.waitFor(
                "the flag gone from the list", d -> browser.findAll(flagCss).isEmpty());
        assertThat(manager.shouldInterrupt(hardwareId)).isFalse();

        String second = openSession(hardwareId);
        String secondCss = "li.session[data-session-id='" + second + "']";
        browser.waitFor("the second session", d -> "ACTIVE".equals(browser.attribute(secondCss, "data-state")));
        browser.find(secondCss + " .session-end").click();
        browser.waitFor(
                "the second session shown as ENDED", d -> "ENDED".equals(browser.attribute(secondCss, "data-state")));
        assertThat(manager.session(second)).isEmpty();
    }

    @Test
    void htmlInAReasonOrATypedDeviceIdIsShownAsTextAndNeverRuns() throws Exception {
        String hardwareId = device("xss");
        String reason = "<img src=x onerror=\"document.title='pwned'\"><b class=\"injected\">bold</b>";
        post("/interrupt/" + hardwareId, JSON.writeValueAsString(java.util.Map.of("reason", reason)));
        browser.waitFor("the interrupt in the list", d -> row(hardwareId) != null);

        assertThat(browser.text(rowCss(hardwareId) + " .reason")).isEqualTo(reason);
        assertThat(browser.findAll("main img, .injected"))
                .as("elements made from the reason")
                .isEmpty();
        assertThat(browser.driver().getTitle()).isEqualTo("Interrupt Hub console");

        String typed = "<img src=x onerror=\"document.title='pwned'\">";
        type("#open-device", typed);
        browser.find("#open-submit").click();
        browser.waitFor(
                "the service's refusal", d -> "error".equals(browser.attribute("#action-message", "data-kind")));
        assertThat(browser.text("#action-message")).startsWith("400: hardwareId must match");
        assertThat(browser.findAll("#action-message *, main img")).isEmpty();
        assertThat(browser.driver().getTitle()).isEqualTo("Interrupt Hub console");
    }

    @Test
    void talkOverItHeldOnTheSpaceBarPausesThenInterruptsAndShowsWhatWasHeardAndTheTimeToStop() {
        String hardwareId = device("demo");
        type("#demo-device", hardwareId);
        type("#demo-rate", "5");
        browser.find("#demo-start").click();
        browser.waitFor(
                "a few words streamed", d -> browser.text("#demo-streamed").split(" ").length >= 3);

        // Held well past the demo's 500 ms: speech, not a cough.
        new Actions(browser.driver())
                .keyDown(Keys.SPACE)
                .pause(Duration.ofMillis(1500))
                .keyUp(Keys.SPACE)
                .perform();

        browser.waitFor(
                "the stream stopped by the interrupt",
                d -> "ok".equals(browser.attribute("#demo-result", "data-kind")));
        String streamed = browser.text("#demo-streamed");
        String heard = browser.text("#demo-heard");
        assertThat(heard).isNotBlank();
        assertThat(streamed).startsWith(heard);
        assertThat(browser.attribute("#demo-result", "data-click-to-stop-ms")).matches("\\d+");
        assertThat(browser.text("#demo-result")).matches("Stopped \\d+ ms after the interrupt .*");
        assertThat(browser.find("#demo-start").isEnabled()).isTrue();
        InterruptResult result = manager.history(hardwareId, 1).get(0);
        assertThat(result.followedPause()).as("the hold paused first").isNotNull();
        assertThat(result.followedPause().outcome()).isEqualTo(PauseOutcome.CONFIRMED);
    }

    @Test
    void aShortTapOnTheSpaceBarPausesTheAnswerAndResumesItFromTheSameWord() {
        String hardwareId = device("tap");
        type("#demo-device", hardwareId);
        type("#demo-rate", "5");
        browser.find("#demo-start").click();
        browser.waitFor(
                "a few words streamed", d -> browser.text("#demo-streamed").split(" ").length >= 3);

        new Actions(browser.driver()).keyDown(Keys.SPACE).keyUp(Keys.SPACE).perform();

        browser.waitFor(
                "the answer paused and resumed", d -> "1".equals(browser.attribute("#demo-result", "data-resumes")));
        assertThat(browser.attribute("#demo-result", "data-pauses")).isEqualTo("1");
        assertThat(browser.text("#demo-result")).startsWith("Resumed at word");
        String atResume = browser.text("#demo-streamed");
        browser.waitFor(
                "the answer going on after the resume",
                d -> browser.text("#demo-streamed").length() > atResume.length() + 10);
        assertThat(browser.text("#demo-streamed")).startsWith(atResume);
        assertThat(manager.history(hardwareId, 10))
                .as("a tap interrupts nothing")
                .isEmpty();
        assertThat(manager.tentativeOutcomes(PauseOutcome.RESUMED)).isPositive();
        assertThat(manager.sessions(hardwareId, 10))
                .singleElement()
                .satisfies(session -> assertThat(session.state()).isEqualTo(SessionState.ACTIVE));
    }

    @Test
    void aFlagSetBeforeThePageLoadedIsShownWithItsRemainingTime() {
        String hardwareId = device("early-flag");
        manager.interrupt(hardwareId, "before the page").join();
        // Sixty later interrupts of other devices: the flag is not among the latest devices of the history,
        // which is all a page could ask about before the service listed its set flags.
        for (int i = 0; i < 60; i++) {
            manager.interrupt(device("later"), "after it").join();
        }

        browser.open("http://127.0.0.1:" + port + "/");
        browser.waitFor(
                "the console to connect to the event stream",
                d -> "live".equals(browser.attribute("#connection", "data-state")));

        String flagCss = "tr.flag[data-hardware-id='" + hardwareId + "']";
        browser.waitFor(
                "the flag set before the page loaded, with its remaining time",
                d -> browser.findAll(flagCss).size() == 1
                        && browser.text(flagCss + " .remaining").matches("\\d+\\.\\d s"));
        assertThat(browser.text(flagCss + " .epoch"))
                .isEqualTo(String.valueOf(manager.flagStatus(hardwareId).epoch()));
        assertThat(browser.findAll("#flags-empty").get(0).isDisplayed())
                .as("no 'No flag is set' beside it")
                .isFalse();
    }

    @Test
    void anInterruptShowsItsSilenceAndTheSideEffectsItsSessionCommitted() throws Exception {
        String hardwareId = device("silence");
        String sessionId = openSession(hardwareId);
        post("/sessions/" + sessionId + "/commit", "{\"action\": \"send_email\"}");
        String sessionCss = "li.session[data-session-id='" + sessionId + "']";
        browser.waitFor(
                "the session's commit",
                d -> browser.text(sessionCss + " .commits").equals("committed send_email"));

        manager.interrupt(hardwareId, "user_barge_in").join();
        awaitOutcome(hardwareId);
        browser.waitFor(
                "the silence awaited",
                d -> "PENDING".equals(browser.attribute(rowCss(hardwareId) + " .silence", "data-silence")));
        assertThat(browser.text(rowCss(hardwareId) + " .committed")).isEqualTo("already done: send_email");

        post("/sessions/" + sessionId + "/stopped", "{}");

        browser.waitFor(
                "the silence confirmed with its time",
                d -> "CONFIRMED".equals(browser.attribute(rowCss(hardwareId) + " .silence", "data-silence")));
        assertThat(browser.text(rowCss(hardwareId) + " .silence")).matches("silent after [0-9.]+ (ms|µs|s)");
        assertThat(browser.attribute(sessionCss, "data-stuck")).isEqualTo("false");
    }

    @Test
    void aSessionThatNeverConfirmedItsStopIsMarkedAsAStuckSpeaker() throws Exception {
        String hardwareId = device("stuck");
        String sessionId = openSession(hardwareId);
        manager.interrupt(hardwareId, "user_barge_in").join();

        // INTERRUPT_SILENCE_DEADLINE is its default, 2 s, here.
        browser.waitFor(
                "the silence missed, naming the session",
                d -> "MISSED".equals(browser.attribute(rowCss(hardwareId) + " .silence", "data-silence")));
        assertThat(browser.attribute(rowCss(hardwareId) + " .silence", "title")).isEqualTo(sessionId);
        String sessionCss = "li.session[data-session-id='" + sessionId + "']";
        browser.waitFor("the session marked stuck", d -> "true".equals(browser.attribute(sessionCss, "data-stuck")));
        assertThat(browser.find(sessionCss + " .stuck").isDisplayed()).isTrue();
    }

    @Test
    void speechSentFromTheTalkOverItPanelIsDecidedByThePolicyAndListedLiveWithItsRule() throws Exception {
        String hardwareId = device("speech");
        String sessionId = openSession(hardwareId); // the device speaks: speech can pause or interrupt it
        type("#demo-device", hardwareId);
        String decisionsCss = "#speech-rows tr.speech-decision[data-hardware-id='" + hardwareId + "']";

        browser.find(".speech-preset[data-transcript='uh-huh']").click();
        browser.waitFor(
                "the backchannel decided", d -> "backchannel".equals(browser.attribute("#speech-result", "data-rule")));
        assertThat(browser.attribute("#speech-result", "data-decision")).isEqualTo("IGNORED");
        assertThat(browser.text("#speech-result")).startsWith("IGNORED by rule backchannel of policy default");

        type("#speech-transcript", "I");
        type("#speech-ms", "250");
        browser.find("#speech-send").click();
        browser.waitFor(
                "the first word decided", d -> "PAUSED".equals(browser.attribute("#speech-result", "data-decision")));
        assertThat(browser.attribute("#speech-result", "data-rule")).isEqualTo("few-words");

        browser.find(".speech-preset[data-transcript='stop']").click();
        browser.waitFor(
                "stop decided", d -> "INTERRUPTED".equals(browser.attribute("#speech-result", "data-decision")));
        assertThat(browser.attribute("#speech-result", "data-rule")).isEqualTo("keyword");

        browser.waitFor(
                "the three decisions listed", d -> browser.findAll(decisionsCss).size() == 3);
        List<WebElement> rows = browser.findAll(decisionsCss);
        assertThat(rows)
                .as("newest first: decision and rule")
                .extracting(row -> row.getAttribute("data-decision") + " " + row.getAttribute("data-rule"))
                .containsExactly("INTERRUPTED keyword", "PAUSED few-words", "IGNORED backchannel");
        assertThat(browser.text(decisionsCss + "[data-decision='INTERRUPTED'] .policy"))
                .isEqualTo("default");
        assertThat(browser.text(decisionsCss + "[data-decision='INTERRUPTED'] .epoch"))
                .isEqualTo("1");
        assertThat(browser.text(decisionsCss + "[data-decision='INTERRUPTED'] .time"))
                .isNotBlank();
        assertThat(manager.session(sessionId).orElseThrow().isInterrupted()).isTrue();
        assertThat(manager.history(hardwareId, 10)).as("exactly one interrupt").hasSize(1);
    }

    @Test
    void aSpeechDecisionMadeByAnotherClientIsListedLive() throws Exception {
        String hardwareId = device("speech-other");
        openSession(hardwareId);
        post("/devices/" + hardwareId + "/speech", "{\"transcript\": \"\", \"speechMs\": 200, \"final\": false}");

        String css = "#speech-rows tr.speech-decision[data-hardware-id='" + hardwareId + "']";
        browser.waitFor("the cough listed", d -> browser.findAll(css).size() == 1);
        assertThat(browser.attribute(css, "data-decision")).isEqualTo("PAUSED");
        assertThat(browser.text(css + " .rule")).isEqualTo("sound");
        assertThat(browser.text(css + " .device-id")).isEqualTo(hardwareId);
        assertThat(browser.findAll("#speech-empty").get(0).isDisplayed()).isFalse();
    }

    @Test
    void anInterruptShowsWhetherItsNextTurnAnswered() throws Exception {
        String hardwareId = device("recovery");
        openSession(hardwareId);
        manager.interrupt(hardwareId, "user_barge_in").join();
        awaitOutcome(hardwareId);
        String recoveryCss = rowCss(hardwareId) + " .recovery";
        browser.waitFor("the next turn awaited", d -> "PENDING".equals(browser.attribute(recoveryCss, "data-outcome")));

        String next = openSession(hardwareId);
        post("/sessions/" + next + "/delivered", "{\"textChars\": 12, \"audioMs\": 400}");

        browser.waitFor(
                "the recovery with its time", d -> "RECOVERED".equals(browser.attribute(recoveryCss, "data-outcome")));
        assertThat(browser.text(recoveryCss)).matches("answered after [0-9.]+ (ms|µs|s)");
        assertThat(browser.attribute(recoveryCss, "title")).isEqualTo(next);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String device(String prefix) {
        return "console-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String rowCss(String hardwareId) {
        return "#interrupt-rows tr.interrupt[data-hardware-id='" + hardwareId + "']";
    }

    private static void awaitOutcome(String hardwareId) {
        browser.waitFor(
                "the outcome of the interrupt of " + hardwareId,
                d -> "success".equals(browser.text(rowCss(hardwareId) + " .outcome")));
    }

    private static WebElement row(String hardwareId) {
        List<WebElement> rows = browser.findAll(rowCss(hardwareId));
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static void type(String css, String text) {
        WebElement input = browser.find(css);
        input.clear();
        input.sendKeys(text);
    }

    private String openSession(String hardwareId) throws Exception {
        JsonNode session = JSON.readTree(post("/sessions", "{\"hardwareId\": \"" + hardwareId + "\"}"));
        return session.get("sessionId").stringValue();
    }

    private String post(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " " + response.body()).isBetween(200, 299);
        return response.body();
    }
}
