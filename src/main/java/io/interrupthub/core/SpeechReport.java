package io.interrupthub.core;

/**
 * What a detector (VAD, speech-to-text, the console) heard on a device so far: sent as often as the utterance grows.
 *
 * @param transcript the words heard so far; empty when there are none yet (never null)
 * @param speechMs   how long the sound has lasted, in milliseconds
 * @param isFinal    the utterance is over: a later report starts a new one
 */
public record SpeechReport(String transcript, long speechMs, boolean isFinal) {

    /** The longest transcript taken: an utterance that talks over a turn is a few sentences at most. */
    public static final int MAX_TRANSCRIPT_CHARS = 2_000;
    /** The longest sound taken, ten minutes: longer is a detector's error, not speech. */
    public static final long MAX_SPEECH_MS = 600_000;

    /** @throws InterruptHubException INVALID_INPUT naming the field that is out of range */
    public SpeechReport {
        transcript = transcript == null ? "" : transcript;
        if (transcript.length() > MAX_TRANSCRIPT_CHARS) {
            throw invalid("transcript must be at most " + MAX_TRANSCRIPT_CHARS + " characters");
        }
        if (speechMs < 0 || speechMs > MAX_SPEECH_MS) {
            throw invalid("speechMs must be between 0 and " + MAX_SPEECH_MS);
        }
    }

    private static InterruptHubException invalid(String message) {
        return new InterruptHubException(InterruptHubException.Kind.INVALID_INPUT, message);
    }
}
