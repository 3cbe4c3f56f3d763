package io.interrupthub.core;

import java.util.Locale;

/**
 * Which rule decided a report of speech. The first seven are the policy's, in the order it tries them
 * ({@link SpeechPolicy#decide}); the last four are the hub's, which win over the policy.
 */
public enum SpeechRule {
    /** The transcript holds one of the policy's keywords ("stop"): interrupt at once. */
    KEYWORD,
    /** A final utterance with no words: resume a pause it opened, else nothing. */
    EMPTY,
    /** An utterance made only of backchannels ("uh-huh"): a final one resumes a pause, a partial one is ignored. */
    BACKCHANNEL,
    /** A partial with at least {@code min-words} words: interrupt. */
    MIN_WORDS,
    /** A final utterance with words that is no backchannel ("what?"): interrupt. */
    FINAL_WORDS,
    /** A partial with fewer than {@code min-words} words that are no backchannel: pause until more words decide. */
    FEW_WORDS,
    /** Sound of at least {@code pause-after} with no words yet: pause. */
    SOUND,
    /** Sound shorter than {@code pause-after} with no words: nothing yet. */
    TOO_SHORT,
    /** The device has no open session and no pause here: nothing speaks that speech could interrupt. */
    IDLE,
    /** The same utterance already interrupted the device; it does not interrupt the next turn again. */
    SAME_UTTERANCE,
    /** The pause this speech would have resumed was decided first (confirmed, resumed or expired). */
    PAUSE_DECIDED;

    /** The name in JSON, metrics and events: {@code min-words}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
