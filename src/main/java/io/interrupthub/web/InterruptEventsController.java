package io.interrupthub.web;

import io.interrupthub.core.HardwareIds;
import io.interrupthub.core.InterruptHubException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /interrupts/events}: {@code interrupt} (at the start of an interrupt), {@code interrupt-result}
 * (its outcome) and {@code session} events, of one device or all, as Server-Sent Events.
 */
@RestController
@InterruptApi
class InterruptEventsController {

    private final InterruptEventHub hub;

    InterruptEventsController(InterruptEventHub hub) {
        this.hub = hub;
    }

    @GetMapping("/interrupts/events")
    SseEmitter events(
            @RequestParam(required = false) String hardwareId,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        if (hardwareId != null) {
            HardwareIds.require(hardwareId, "hardwareId");
        }
        return hub.subscribe(hardwareId, parse(lastEventId));
    }

    private static Long parse(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return null;
        }
        try {
            long id = Long.parseLong(lastEventId.trim());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new InterruptHubException(
                InterruptHubException.Kind.INVALID_INPUT, "Last-Event-ID must be the id of an event this stream sent");
    }
}
