package io.interrupthub.core;

import java.time.Instant;

/**
 * What the hub decided about one report of speech, and did. {@code epoch} is the device's after it (the
 * interrupt's when the decision interrupted); {@code pause} is the pause a {@code PAUSED} decision opened or
 * found, or the one a {@code RESUMED} decision ended, else null. The transcript itself is not kept: it is the
 * user's words, and counting needs only the rule.
 *
 * @param alreadyPaused a {@code PAUSED} decision found the device paused already: nothing new happened
 * @param words how many words the transcript held
 */
public record SpeechOutcome(
        String hardwareId,
        SpeechDecision decision,
        SpeechRule rule,
        String policy,
        long epoch,
        Pause pause,
        boolean alreadyPaused,
        int words,
        long speechMs,
        boolean isFinal,
        Instant at) {}
