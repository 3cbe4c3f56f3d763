package io.interrupthub.core;

import java.time.Instant;

/** The seed-compatible device view: is the device's interrupt flag set, and until when. */
public record FlagStatus(
        String hardwareId, boolean interrupted, long epoch, Instant setAt, Instant expiresAt, long checkIntervalMs) {}
