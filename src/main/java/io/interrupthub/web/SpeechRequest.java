package io.interrupthub.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.interrupthub.core.SpeechReport;

/**
 * Body of {@code POST /devices/{hardwareId}/speech}: what a detector heard so far. An absent transcript is no words
 * yet, an absent {@code speechMs} is 0, an absent {@code final} is false (the utterance goes on).
 */
public record SpeechRequest(
        String transcript,
        Long speechMs,
        @JsonProperty("final") Boolean isFinal) {

    /** @throws io.interrupthub.core.InterruptHubException INVALID_INPUT naming a member out of range */
    SpeechReport report() {
        return new SpeechReport(transcript, speechMs == null ? 0 : speechMs, Boolean.TRUE.equals(isFinal));
    }
}
