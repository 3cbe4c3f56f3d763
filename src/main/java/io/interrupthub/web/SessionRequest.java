package io.interrupthub.web;

/**
 * Body of {@code POST /sessions}; {@code sessionId} and {@code epoch} are optional. {@code paused}: when the
 * device is paused by a tentative interrupt, the session is born paused and goes where the pause goes.
 */
public record SessionRequest(String hardwareId, String sessionId, Long epoch, Boolean paused) {

    public SessionRequest(String hardwareId, String sessionId, Long epoch) {
        this(hardwareId, sessionId, epoch, null);
    }
}
