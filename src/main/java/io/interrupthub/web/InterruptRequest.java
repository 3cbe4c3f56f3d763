package io.interrupthub.web;

/** Optional body of {@code POST /interrupt/{hardwareId}}. */
public record InterruptRequest(String reason, String source) {}
