package io.interrupthub.web;

/** Body of {@code POST /sessions}; {@code sessionId} and {@code epoch} are optional. */
public record SessionRequest(String hardwareId, String sessionId, Long epoch) {}
