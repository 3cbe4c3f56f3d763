package io.interrupthub.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.ModuleSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A webhook module against a real worker: a local HTTP server on the loopback interface that answers,
 * fails or never answers, registered directly on an {@link InterruptManager}.
 */
public class WebhookModuleTest {

    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(300);
    private static final Duration LONG_TIMEOUT = Duration.ofSeconds(20);
    /** A result must arrive within its module timeout plus this margin (a noisy two-core machine). */
    private static final long MARGIN_SECONDS = 5;

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private Worker worker;
    private InterruptManager manager;

    @BeforeEach
    void setUp() throws IOException {
        worker = Worker.start();
        manager = new InterruptManager(InterruptSettings.defaults());
    }

    @AfterEach
    void tearDown() {
        worker.close();
        manager.close();
    }

    // ---- outcomes ---------------------------------------------------------------------------------

    @Test
    void aWorkerAnswering200IsOk() throws Exception {
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-1", "user_barge_in", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(module(result, "tts_worker").error()).isNull();
        assertThat(result.success()).isTrue();
        assertThat(worker.received).hasSize(1);
    }

    @ParameterizedTest(name = "[{index}] HTTP {0} is OK")
    @ValueSource(ints = {201, 202, 204})
    void anyTwoHundredAnswerIsOk(int status) throws Exception {
        worker.answer(status);
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-2xx", "x", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
    }

    @Test
    void aWorkerAnswering500IsFailedWithTheStatusInTheError() throws Exception {
        worker.answer(500);
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);
        register(localModule("text_processing"), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-500", "user_barge_in", LONG_TIMEOUT);

        ModuleResult tts = module(result, "tts_worker");
        assertThat(tts.outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(tts.error()).contains("500");
        assertThat(result.success()).isFalse();
        assertThat(module(result, "text_processing").outcome())
                .as("the others still run")
                .isEqualTo(ModuleOutcome.OK);
        assertThat(worker.received).as("no retry").hasSize(1);
    }

    @ParameterizedTest(name = "[{index}] HTTP {0} is FAILED")
    @ValueSource(ints = {302, 400, 404, 503})
    void anyNonTwoHundredAnswerIsFailed(int status) throws Exception {
        worker.answer(status);
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-non-2xx", "x", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(module(result, "tts_worker").error()).contains(String.valueOf(status));
    }

    @Test
    void aRefusedConnectionIsFailed() throws Exception {
        URI closed = worker.url();
        worker.close(); // nobody listens on that port any more
        register(
                new WebhookModule("tts_worker", closed, List.of(), LONG_TIMEOUT, 4, client, JsonMapper.shared()),
                LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-refused", "x", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(module(result, "tts_worker").error()).isNotBlank();
    }

    @Test
    void aWorkerThatNeverAnswersIsTimedOutAndTheCallerStillGetsItsResult() throws Exception {
        worker.silent();
        register(webhook("tts_worker", List.of(), SHORT_TIMEOUT, 4), SHORT_TIMEOUT);
        register(localModule("text_processing"), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-silent", "user_barge_in", SHORT_TIMEOUT);

        ModuleResult tts = module(result, "tts_worker");
        assertThat(tts.outcome()).isEqualTo(ModuleOutcome.TIMED_OUT);
        assertThat(tts.error()).contains("no answer within");
        assertThat(result.success()).isFalse();
        assertThat(module(result, "text_processing").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(worker.received).as("the worker did get the call").hasSize(1);
    }

    @Test
    void aTimedOutCallFreesItsSlotForTheNextInterrupt() throws Exception {
        worker.silent();
        register(webhook("tts_worker", List.of(), SHORT_TIMEOUT, 1), SHORT_TIMEOUT);
        assertThat(module(interrupt("kitchen-slot", "first", SHORT_TIMEOUT), "tts_worker")
                        .outcome())
                .isEqualTo(ModuleOutcome.TIMED_OUT);

        worker.answer(200);

        await().atMost(Duration.ofSeconds(MARGIN_SECONDS))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(module(interrupt("kitchen-slot", "again", SHORT_TIMEOUT), "tts_worker")
                                .outcome())
                        .isEqualTo(ModuleOutcome.OK));
    }

    // ---- what the worker receives -------------------------------------------------------------------

    @Test
    void theWorkerReceivesTheInterruptAsJsonWithAnIdempotencyKey() throws Exception {
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);
        Instant before = Instant.now();

        InterruptResult result = manager.interrupt("kitchen-speaker-7", "user_barge_in", "vad")
                .get(LONG_TIMEOUT.toSeconds() + MARGIN_SECONDS, TimeUnit.SECONDS);

        assertThat(worker.received).hasSize(1);
        Worker.Received call = worker.received.get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/interrupt");
        assertThat(call.contentType()).startsWith("application/json");
        assertThat(call.idempotencyKey()).isEqualTo("kitchen-speaker-7:" + result.epoch() + ":notify");
        JsonNode body = call.json();
        assertThat(body.get("module").stringValue()).isEqualTo("tts_worker");
        assertThat(body.get("action").stringValue()).isEqualTo(WebhookModule.DEFAULT_ACTION);
        assertThat(body.get("hardwareId").stringValue()).isEqualTo("kitchen-speaker-7");
        assertThat(body.get("epoch").isIntegralNumber()).isTrue();
        assertThat(body.get("epoch").longValue()).isEqualTo(result.epoch());
        assertThat(body.get("reason").stringValue()).isEqualTo("user_barge_in");
        assertThat(body.get("source").stringValue()).isEqualTo("vad");
        assertThat(body.has("at")).isTrue();
        assertThat(Instant.parse(body.get("at").stringValue()))
                .isEqualTo(result.startedAt())
                .isBetween(before.minusSeconds(5), Instant.now().plusSeconds(1));
    }

    @Test
    void eachInterruptOfADeviceCarriesItsOwnEpochAndKey() throws Exception {
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 4), LONG_TIMEOUT);

        InterruptResult first = interrupt("kitchen-twice", "a", LONG_TIMEOUT);
        InterruptResult second = interrupt("kitchen-twice", "b", LONG_TIMEOUT);

        assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
        assertThat(worker.received)
                .extracting(Worker.Received::idempotencyKey)
                .containsExactly(
                        "kitchen-twice:" + first.epoch() + ":notify", "kitchen-twice:" + second.epoch() + ":notify");
        assertThat(worker.received)
                .extracting(r -> r.json().get("epoch").longValue())
                .containsExactly(first.epoch(), second.epoch());
    }

    @Test
    void aMethodsListMakesOnePostPerActionInOrder() throws Exception {
        WebhookModule module =
                webhook("tts_worker", List.of("cancel_generation", "clear_buffers", "clear_cache"), LONG_TIMEOUT, 4);
        assertThat(module.actions())
                .extracting(ModuleAction::name)
                .containsExactly("cancel_generation", "clear_buffers", "clear_cache");
        register(module, LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-methods", "x", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.OK);
        assertThat(worker.received)
                .extracting(r -> r.json().get("action").stringValue())
                .containsExactly("cancel_generation", "clear_buffers", "clear_cache");
        assertThat(worker.received)
                .extracting(Worker.Received::idempotencyKey)
                .containsExactly(
                        "kitchen-methods:" + result.epoch() + ":cancel_generation",
                        "kitchen-methods:" + result.epoch() + ":clear_buffers",
                        "kitchen-methods:" + result.epoch() + ":clear_cache");
    }

    @Test
    void configuredMethodsChooseAndOrderTheWebhooksActions() throws Exception {
        manager.register(
                webhook("tts_worker", List.of("cancel_generation", "clear_buffers", "clear_cache"), LONG_TIMEOUT, 4),
                new ModuleSettings(true, LONG_TIMEOUT, List.of("clear_cache", "cancel_generation")));

        interrupt("kitchen-chosen", "x", LONG_TIMEOUT);

        assertThat(worker.received)
                .extracting(r -> r.json().get("action").stringValue())
                .containsExactly("clear_cache", "cancel_generation");
    }

    @Test
    void aFailingActionDoesNotStopTheNextOne() throws Exception {
        worker.answer(500);
        register(webhook("tts_worker", List.of("cancel_generation", "clear_buffers"), LONG_TIMEOUT, 4), LONG_TIMEOUT);

        InterruptResult result = interrupt("kitchen-both", "x", LONG_TIMEOUT);

        assertThat(module(result, "tts_worker").outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(worker.received)
                .extracting(r -> r.json().get("action").stringValue())
                .containsExactly("cancel_generation", "clear_buffers");
    }

    // ---- bounded concurrency ------------------------------------------------------------------------

    @Test
    void beyondMaxConcurrentACallFailsFastInsteadOfQueueing() throws Exception {
        worker.silent();
        register(webhook("tts_worker", List.of(), LONG_TIMEOUT, 1), LONG_TIMEOUT);

        InterruptFuture hanging = manager.interrupt("kitchen-a", "first");
        await().atMost(Duration.ofSeconds(MARGIN_SECONDS)).until(() -> worker.received.size() == 1);

        InterruptResult refused = manager.interrupt("kitchen-b", "second").get(MARGIN_SECONDS, TimeUnit.SECONDS);

        ModuleResult tts = module(refused, "tts_worker");
        assertThat(tts.outcome()).isEqualTo(ModuleOutcome.FAILED);
        assertThat(tts.error()).contains("in flight");
        assertThat(hanging)
                .as("refused while the first call still waits for the worker")
                .isNotDone();
        assertThat(worker.received)
                .as("the refused call never reached the worker")
                .hasSize(1);

        worker.answer(200);
        worker.releaseSilent();
        assertThat(module(hanging.get(LONG_TIMEOUT.toSeconds() + MARGIN_SECONDS, TimeUnit.SECONDS), "tts_worker")
                        .outcome())
                .isEqualTo(ModuleOutcome.OK);
        assertThat(module(interrupt("kitchen-c", "third", LONG_TIMEOUT), "tts_worker")
                        .outcome())
                .as("the slot is free again")
                .isEqualTo(ModuleOutcome.OK);
    }

    // ---- construction -------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "ftp://x/interrupt",
                "/interrupt",
                "mailto:ops@example.com",
                "http:///interrupt",
                "file:///tmp/interrupt"
            })
    void onlyAbsoluteHttpUrlsAreAccepted(String url) {
        assertThatThrownBy(() -> new WebhookModule(
                        "tts_worker", URI.create(url), List.of(), LONG_TIMEOUT, 4, client, JsonMapper.shared()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http");
    }

    @Test
    void aMissingUrlIsRefused() {
        assertThatThrownBy(() ->
                        new WebhookModule("tts_worker", null, List.of(), LONG_TIMEOUT, 4, client, JsonMapper.shared()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void maxConcurrentBelowOneIsRefused() {
        assertThatThrownBy(() -> webhook("tts_worker", List.of(), LONG_TIMEOUT, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("max-concurrent");
    }

    @Test
    void withoutMethodsTheModuleDeclaresTheNotifyAction() {
        WebhookModule module = webhook("tts_worker", null, LONG_TIMEOUT, 4);

        assertThat(module.moduleName()).isEqualTo("tts_worker");
        assertThat(module.url()).isEqualTo(worker.url());
        assertThat(module.actions()).extracting(ModuleAction::name).containsExactly("notify");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private WebhookModule webhook(String name, List<String> actions, Duration timeout, int maxConcurrent) {
        return new WebhookModule(name, worker.url(), actions, timeout, maxConcurrent, client, JsonMapper.shared());
    }

    private void register(Interruptible module, Duration timeout) {
        manager.register(module, ModuleSettings.withTimeout(timeout));
    }

    private InterruptResult interrupt(String hardwareId, String reason, Duration moduleTimeout) throws Exception {
        return manager.interrupt(hardwareId, reason).get(moduleTimeout.toSeconds() + MARGIN_SECONDS, TimeUnit.SECONDS);
    }

    static ModuleResult module(InterruptResult result, String name) {
        return result.modules().stream()
                .filter(m -> m.module().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no module " + name + " in " + result.modules()));
    }

    private static Interruptible localModule(String name) {
        return Interruptible.of(name, ModuleAction.of("cancel_generation", cause -> {}));
    }

    /**
     * A remote worker on the loopback interface: records every request, then answers with the configured
     * status, or, when silent, holds the request until released (or closed).
     */
    public static final class Worker implements AutoCloseable {

        /** One request as the worker saw it. */
        public record Received(String method, String path, String contentType, String idempotencyKey, String body) {

            public JsonNode json() {
                return JsonMapper.shared().readTree(body);
            }
        }

        public final List<Received> received = new CopyOnWriteArrayList<>();

        private final HttpServer server;
        private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "test-worker");
            thread.setDaemon(true);
            return thread;
        });
        private volatile int status = 200;
        private volatile boolean silent;
        private volatile CountDownLatch held = new CountDownLatch(1);
        private volatile boolean closed;

        private Worker() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        public static Worker start() throws IOException {
            return new Worker();
        }

        public URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/interrupt");
        }

        public int port() {
            return server.getAddress().getPort();
        }

        /** Answer every later request with this status. */
        public void answer(int status) {
            this.status = status;
            this.silent = false;
        }

        /** Never answer later requests (until {@link #releaseSilent()} or {@link #close()}). */
        public void silent() {
            this.silent = true;
        }

        /** Lets requests held so far answer with the current status. */
        public void releaseSilent() {
            CountDownLatch previous = held;
            held = new CountDownLatch(1);
            previous.countDown();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                received.add(new Received(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                        body));
                if (silent) {
                    CountDownLatch latch = held;
                    try {
                        latch.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (closed) {
                        return;
                    }
                }
                exchange.sendResponseHeaders(status, -1);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            held.countDown();
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
