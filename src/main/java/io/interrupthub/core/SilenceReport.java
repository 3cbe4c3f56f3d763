package io.interrupthub.core;

import java.util.List;

/**
 * Where the silence of one interrupt stands.
 *
 * @param timeToSilenceMs from the interrupt's start to the last stop receipt, once {@code CONFIRMED}; else null
 * @param pendingSessions sessions that have not confirmed: still awaited while {@code PENDING}, the stuck
 *                        speakers once {@code MISSED}, empty once {@code CONFIRMED}
 */
public record SilenceReport(
        String hardwareId, long epoch, SilenceState state, Double timeToSilenceMs, List<String> pendingSessions) {

    public SilenceReport {
        pendingSessions = List.copyOf(pendingSessions);
    }
}
