package io.interrupthub.core;

/**
 * How far a session's output actually reached the user, as its producer knows it: characters of text
 * and milliseconds of audio. An interrupt keeps the value of that moment, so the backend can keep in
 * its conversation history only what was heard (a truncate-at-offset, as realtime voice APIs do).
 */
public record Delivered(long textChars, long audioMs) {

    public static final Delivered NONE = new Delivered(0, 0);

    public Delivered {
        if (textChars < 0 || audioMs < 0) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT, "delivered textChars and audioMs must not be negative");
        }
    }

    /** Offsets only grow: a late or reordered report never moves them back. */
    Delivered max(Delivered other) {
        return new Delivered(Math.max(textChars, other.textChars), Math.max(audioMs, other.audioMs));
    }
}
