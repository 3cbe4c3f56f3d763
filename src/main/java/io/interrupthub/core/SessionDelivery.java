package io.interrupthub.core;

/** What one interrupted session had delivered when the interrupt reached it. */
public record SessionDelivery(String sessionId, long textChars, long audioMs) {}
