package io.interrupthub.reference;

import io.interrupthub.web.InterruptApi;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** {@code GET /sessions/{id}/stream?rate=}: the reference answer for the session, as Server-Sent Events. */
@RestController
@InterruptApi
class ReferenceStreamController {

    private final ReferenceStreams streams;

    ReferenceStreamController(ReferenceStreams streams) {
        this.streams = streams;
    }

    @GetMapping("/sessions/{sessionId}/stream")
    SseEmitter stream(@PathVariable String sessionId, @RequestParam(required = false) Integer rate) {
        return streams.stream(sessionId, rate);
    }
}
