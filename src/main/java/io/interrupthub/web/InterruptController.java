package io.interrupthub.web;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.interrupthub.core.InterruptFuture;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.StatisticsSnapshot;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.HandlerMapping;
import tools.jackson.databind.json.JsonMapper;

import static org.springframework.http.MediaType.APPLICATION_JSON_VALUE;
import static org.springframework.http.MediaType.APPLICATION_YAML_VALUE;

/** Interrupts, flags, history and statistics. */
@RestController
@InterruptApi
class InterruptController {

    private final InterruptManager manager;
    private final PlainJsonAnswers answers;

    InterruptController(InterruptManager manager, JsonMapper json) {
        this.manager = manager;
        this.answers = new PlainJsonAnswers(json);
    }

    /**
     * Waits for the fan-out without holding a request thread; it is bounded by the largest module timeout.
     * A fan-out that has already finished (no modules, or only quick ones) is answered at once: a future,
     * even a completed one, costs Servlet async processing and a second dispatch through every filter.
     * Declared {@code Object} so that Spring MVC picks the handler by what is returned. This is the operation the
     * OpenAPI document describes; a JSON body is taken by {@link #interruptJson} instead.
     */
    @PostMapping(
            path = "/interrupt/{hardwareId}",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    Object interrupt(
            @PathVariable String hardwareId,
            @RequestBody(required = false) InterruptRequest body,
            @RequestParam(defaultValue = "true") boolean wait,
            @RequestParam(defaultValue = "false") boolean tentative) {
        InterruptRequest request = body == null ? new InterruptRequest(null, null) : body;
        if (tentative || Boolean.TRUE.equals(request.tentative())) {
            // A pause is decided at once; its modules' pause actions are not waited for.
            return ResponseEntity.ok(
                    ApiBodies.PauseBody.of(manager.pause(hardwareId, request.reason(), request.source())));
        }
        InterruptFuture future = manager.interrupt(hardwareId, request.reason(), request.source());
        if (!wait) {
            return ResponseEntity.status(HttpStatus.ACCEPTED)
                    .body(new ApiBodies.AcceptedBody(future.hardwareId(), future.epoch()));
        }
        if (future.isDone() && !future.isCompletedExceptionally()) {
            return answer(future.join());
        }
        return future.thenApply(InterruptController::answer);
    }

    /**
     * The same operation for a request with a JSON body, the way clients send it, at a fraction of the cost (issue
     * 24): the small body is read here with the API's strict reader and the query's flags without data binders, not
     * through Spring's argument resolution, and a plain answer is written at once ({@link PlainJsonAnswers}). The
     * answers, refusals included, are those of {@link #interrupt}: a body in another charset is decoded alike, a body
     * that does not fit is the same 400 naming its member. Other content types ({@code application/*+json}, none,
     * anything else) reach {@link #interrupt}, which Spring MVC prefers for them.
     */
    @Hidden
    @PostMapping(
            path = "/interrupt/{hardwareId}",
            consumes = APPLICATION_JSON_VALUE,
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    @Nullable
    Object interruptJson(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // The id as @PathVariable has it (decoded by the mapping), without the data binder and the conversion service
        // that @PathVariable runs even from String to String (issue 24).
        String hardwareId = pathVariable(request, "hardwareId");
        InterruptRequest body = ApiRequestConverter.readJson(
                InterruptRequest.class,
                body(request), // bounded: the size limit refused a larger body
                MediaType.parseMediaType(request.getContentType())); // parsed: it matched application/json
        // After the body, as Spring MVC resolves the general operation's arguments: a request wrong in both is
        // refused for its body alike.
        boolean wait = QueryFlag.WAIT.of(request);
        boolean tentative = QueryFlag.TENTATIVE.of(request);
        return answers.write(request, response, interrupt(hardwareId, body, wait, tentative));
    }

    private static String pathVariable(HttpServletRequest request, String name) {
        @SuppressWarnings("unchecked")
        Map<String, String> variables =
                (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        return variables.get(name); // the mapping matched /interrupt/{hardwareId}
    }

    /**
     * A body of known length is read to its length, not to the end of the stream: that read of the end costs the
     * server a second pass through its content producer.
     */
    private static byte[] body(HttpServletRequest request) throws IOException {
        int length = request.getContentLength();
        return length >= 0
                ? request.getInputStream().readNBytes(length)
                : request.getInputStream().readAllBytes();
    }

    /**
     * The body itself, answered 200: Spring writes it whole, with its length. A {@code ResponseEntity} is flushed
     * as soon as it is written, which commits the response before its end: the answer then goes out chunked, in
     * two writes to the socket instead of one (issue 24).
     */
    private static ApiBodies.InterruptResultBody answer(InterruptResult result) {
        return ApiBodies.InterruptResultBody.of(result);
    }

    /** Ends the device's pause within its window: the held output goes on. 409 when nothing is paused. */
    @PostMapping(
            path = "/interrupt/{hardwareId}/resume",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.PauseEndedBody resume(@PathVariable String hardwareId) {
        return ApiBodies.PauseEndedBody.of(manager.resume(hardwareId));
    }

    /** The devices paused now, newest first. */
    @GetMapping("/interrupts/pauses")
    List<ApiBodies.PauseBody> pauses(@RequestParam(required = false) Integer limit) {
        return manager.pauses(ListLimit.of(limit)).stream()
                .map(p -> ApiBodies.PauseBody.of(p, true))
                .toList();
    }

    @GetMapping("/interrupt/{hardwareId}")
    ApiBodies.FlagBody flag(@PathVariable String hardwareId) {
        return ApiBodies.FlagBody.of(manager.flagStatus(hardwareId));
    }

    @DeleteMapping("/interrupt/{hardwareId}")
    ResponseEntity<Void> resetFlag(@PathVariable String hardwareId) {
        manager.resetFlag(hardwareId);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/interrupts")
    List<ApiBodies.InterruptResultBody> history(
            @RequestParam(required = false) String hardwareId, @RequestParam(required = false) Integer limit) {
        return manager.history(hardwareId, ListLimit.of(limit)).stream()
                .map(ApiBodies.InterruptResultBody::of)
                .toList();
    }

    /** The set flags, newest first: what a page that loads late must know to agree with the statistics. */
    @GetMapping("/interrupts/flags")
    List<ApiBodies.FlagBody> flags(@RequestParam(required = false) Integer limit) {
        return manager.flags(ListLimit.of(limit)).stream()
                .map(ApiBodies.FlagBody::of)
                .toList();
    }

    @GetMapping("/interrupts/stats")
    StatisticsSnapshot statistics() {
        return manager.statistics();
    }
}
