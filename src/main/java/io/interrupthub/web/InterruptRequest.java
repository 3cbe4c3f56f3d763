package io.interrupthub.web;

/**
 * Optional body of {@code POST /interrupt/{hardwareId}}. {@code tentative}: pause the device's sessions
 * instead of interrupting them, until a resume, a real interrupt or the end of the resume window.
 */
public record InterruptRequest(String reason, String source, Boolean tentative) {

    /** A request without the tentative member, as requests were before it existed. */
    public InterruptRequest(String reason, String source) {
        this(reason, source, null);
    }
}
