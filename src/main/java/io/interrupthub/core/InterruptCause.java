package io.interrupthub.core;

import java.time.Instant;

/** Why a session or module was interrupted: handed to every module action and session callback. */
public record InterruptCause(String hardwareId, long epoch, String reason, String source, Instant at) {}
