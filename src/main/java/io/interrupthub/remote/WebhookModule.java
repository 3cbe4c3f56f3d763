package io.interrupthub.remote;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Semaphore;

import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import tools.jackson.databind.json.JsonMapper;

/**
 * A module that lives in another process: each action POSTs the interrupt to the worker's URL as JSON.
 * A 2xx answer is {@code OK}; any other status, a refused connection or an I/O error is {@code FAILED};
 * no answer within the module's timeout is {@code TIMED_OUT} (the fan-out enforces it and the request
 * carries the same timeout, so the thread is freed). At most {@code maxConcurrent} calls are in flight
 * to one worker; beyond that a call fails at once rather than queueing behind a slow worker.
 */
public final class WebhookModule implements Interruptible {

    /** The action a webhook module declares when its configuration names none. */
    public static final String DEFAULT_ACTION = "notify";

    /** What the worker receives. */
    public record Call(
            String module, String action, String hardwareId, long epoch, String reason, String source, Instant at) {}

    private final String name;
    private final URI url;
    private final Duration timeout;
    private final int maxConcurrent;
    private final Semaphore inFlight;
    private final HttpClient client;
    private final JsonMapper json;
    private final List<ModuleAction> actions;

    public WebhookModule(
            String name,
            URI url,
            List<String> actionNames,
            Duration timeout,
            int maxConcurrent,
            HttpClient client,
            JsonMapper json) {
        if (url == null
                || url.getHost() == null
                || !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))) {
            throw new IllegalArgumentException("webhook URL must be an absolute http or https URL, was " + url);
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max-concurrent must be at least 1, was " + maxConcurrent);
        }
        this.name = name;
        this.url = url;
        this.timeout = timeout;
        this.maxConcurrent = maxConcurrent;
        this.inFlight = new Semaphore(maxConcurrent);
        this.client = client;
        this.json = json;
        List<String> names = actionNames == null || actionNames.isEmpty() ? List.of(DEFAULT_ACTION) : actionNames;
        this.actions = names.stream()
                .map(action -> ModuleAction.of(action, cause -> call(action, cause)))
                .toList();
    }

    @Override
    public String moduleName() {
        return name;
    }

    @Override
    public List<ModuleAction> actions() {
        return actions;
    }

    public URI url() {
        return url;
    }

    private void call(String action, InterruptCause cause) throws IOException, InterruptedException {
        if (!inFlight.tryAcquire()) {
            throw new WebhookException(maxConcurrent + " calls to " + name + " are already in flight");
        }
        try {
            String body = json.writeValueAsString(new Call(
                    name, action, cause.hardwareId(), cause.epoch(), cause.reason(), cause.source(), cause.at()));
            // The fan-out's timeout decides TIMED_OUT and interrupts this thread; the request's own
            // timeout is only a backstop, later, so the two never race to name the outcome.
            HttpRequest request = HttpRequest.newBuilder(url)
                    .timeout(timeout.plusSeconds(1))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", cause.hardwareId() + ":" + cause.epoch() + ":" + action)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                throw new WebhookException("worker answered HTTP " + response.statusCode());
            }
        } finally {
            inFlight.release();
        }
    }

    /** The worker refused or could not take the call; its message becomes the module's error. */
    public static final class WebhookException extends IOException {
        WebhookException(String message) {
            super(message);
        }
    }
}
