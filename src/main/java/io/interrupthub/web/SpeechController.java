package io.interrupthub.web;

import io.interrupthub.core.InterruptManager;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.http.MediaType.APPLICATION_JSON_VALUE;
import static org.springframework.http.MediaType.APPLICATION_YAML_VALUE;

/**
 * {@code POST /devices/{hardwareId}/speech}: a detector says what it heard on a device; the device's speech policy
 * decides whether it interrupts, pauses, resumes or is ignored, and the hub does it before it answers.
 */
@RestController
@InterruptApi
class SpeechController {

    private final InterruptManager manager;

    SpeechController(InterruptManager manager) {
        this.manager = manager;
    }

    @PostMapping(
            path = "/devices/{hardwareId}/speech",
            produces = {APPLICATION_JSON_VALUE, APPLICATION_YAML_VALUE})
    ApiBodies.SpeechBody speech(@PathVariable String hardwareId, @RequestBody SpeechRequest request) {
        return ApiBodies.SpeechBody.of(manager.reportSpeech(hardwareId, request.report()));
    }
}
