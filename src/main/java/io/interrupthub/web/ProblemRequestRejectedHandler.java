package io.interrupthub.web;

import java.io.IOException;

import io.interrupthub.core.HardwareIds;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spring Security's firewall refuses URLs with malformed or dangerous sequences ({@code %}, {@code ;},
 * encoded slashes, {@code ..}) before any controller sees them; this answers those as a 400 problem too.
 * On this API the only free parts of a path are ids, so the detail says what an id must look like.
 */
final class ProblemRequestRejectedHandler implements RequestRejectedHandler {

    private final JsonMapper json;

    ProblemRequestRejectedHandler(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException rejected)
            throws IOException {
        Problems.write(
                json,
                request,
                response,
                HttpStatus.BAD_REQUEST,
                "the request URL is malformed or contains a "
                        + "forbidden sequence; a hardwareId or sessionId must match " + HardwareIds.PATTERN);
    }
}
