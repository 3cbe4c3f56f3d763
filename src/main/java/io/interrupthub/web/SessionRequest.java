package io.interrupthub.web;

/**
 * Body of {@code POST /sessions}; {@code sessionId} and {@code epoch} are optional. {@code paused}: when the
 * device is paused by a tentative interrupt, the session is born paused and goes where the pause goes.
 * {@code policy} names the speech policy ({@code interrupt.policies.<name>}) that decides the device's speech from
 * now on; an unknown name is a 400.
 */
public record SessionRequest(String hardwareId, String sessionId, Long epoch, Boolean paused, String policy) {

    public SessionRequest(String hardwareId, String sessionId, Long epoch, Boolean paused) {
        this(hardwareId, sessionId, epoch, paused, null);
    }

    public SessionRequest(String hardwareId, String sessionId, Long epoch) {
        this(hardwareId, sessionId, epoch, null);
    }
}
