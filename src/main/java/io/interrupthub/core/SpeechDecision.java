package io.interrupthub.core;

/** What the hub did with a report of speech on a device ({@link SpeechPolicy}). */
public enum SpeechDecision {
    /** Nothing: the sound was no interruption (a backchannel, a cough too short, a device not speaking). */
    IGNORED,
    /** The device is paused (a tentative interrupt): its output is held until the words decide. */
    PAUSED,
    /** The device is interrupted; a pause open for the same speech is confirmed. */
    INTERRUPTED,
    /** The pause the speech opened is resumed: the held output goes on from where it stopped. */
    RESUMED
}
