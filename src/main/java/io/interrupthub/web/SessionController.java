package io.interrupthub.web;

import java.net.URI;
import java.util.List;

import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.http.MediaType.APPLICATION_JSON_VALUE;
import static org.springframework.http.MediaType.APPLICATION_YAML_VALUE;

/** Sessions: open, look up, heartbeat, end. */
@RestController
@InterruptApi
@RequestMapping("/sessions")
class SessionController {

    private final InterruptManager manager;

    SessionController(InterruptManager manager) {
        this.manager = manager;
    }

    @PostMapping(produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ResponseEntity<ApiBodies.SessionBody> open(@RequestBody SessionRequest request) {
        Session session = manager.openSession(
                request.hardwareId(),
                request.sessionId(),
                request.epoch(),
                Boolean.TRUE.equals(request.paused()),
                request.policy());
        return ResponseEntity.created(URI.create("/sessions/" + session.sessionId()))
                .body(ApiBodies.SessionBody.of(session.info()));
    }

    @GetMapping
    List<ApiBodies.SessionBody> list(
            @RequestParam(required = false) String hardwareId, @RequestParam(required = false) Integer limit) {
        return manager.sessions(hardwareId, ListLimit.of(limit)).stream()
                .map(ApiBodies.SessionBody::of)
                .toList();
    }

    @GetMapping("/{sessionId}")
    ApiBodies.SessionBody get(@PathVariable String sessionId) {
        return manager.session(sessionId)
                .map(s -> ApiBodies.SessionBody.of(s.info()))
                .orElseThrow(() ->
                        new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId));
    }

    @PostMapping(
            path = "/{sessionId}/heartbeat",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.SessionBody heartbeat(@PathVariable String sessionId) {
        return ApiBodies.SessionBody.of(manager.heartbeat(sessionId));
    }

    /** How far the session's output reached the user, so an interrupt can report what was heard. */
    @PostMapping(
            path = "/{sessionId}/delivered",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.SessionBody delivered(@PathVariable String sessionId, @RequestBody ApiBodies.DeliveredRequest request) {
        long textChars = request.textChars() == null ? 0 : request.textChars();
        long audioMs = request.audioMs() == null ? 0 : request.audioMs();
        return ApiBodies.SessionBody.of(manager.reportDelivered(sessionId, textChars, audioMs));
    }

    /**
     * The playback edge's stop receipt: this session's output is silent. Idempotent; counts towards the
     * silence of the interrupt that marked the session.
     */
    @PostMapping(
            path = "/{sessionId}/stopped",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.SessionBody stopped(
            @PathVariable String sessionId, @RequestBody(required = false) ApiBodies.StoppedRequest request) {
        ApiBodies.StoppedRequest offsets = request == null ? new ApiBodies.StoppedRequest(null, null) : request;
        return ApiBodies.SessionBody.of(manager.stopped(sessionId, offsets.textChars(), offsets.audioMs()));
    }

    /**
     * The point of no return for one side effect: 200 when it may run, 409 when an interrupt came first, 503 with
     * Retry-After when the cluster cannot order it against interrupts now (nothing was committed: retry).
     */
    @PostMapping(
            path = "/{sessionId}/commit",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.CommitBody commit(@PathVariable String sessionId, @RequestBody ApiBodies.CommitRequest request) {
        return ApiBodies.CommitBody.of(manager.commit(sessionId, request.action()));
    }

    @DeleteMapping("/{sessionId}")
    ResponseEntity<Void> end(@PathVariable String sessionId) {
        manager.endSession(sessionId);
        return ResponseEntity.noContent().build();
    }
}
