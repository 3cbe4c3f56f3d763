package io.interrupthub.core;

/** The shape every hardwareId and caller-chosen sessionId must have (contract, "Words"). */
public final class HardwareIds {

    /** Letters, digits and {@code . _ : -}, starting with a letter or digit, at most 128 characters. */
    public static final String PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

    private static final int MAX_LENGTH = 128;

    private HardwareIds() {}

    /** {@link #PATTERN}, checked by hand: every open and interrupt checks ids, and a regex match costs more. */
    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH || !isLetterOrDigit(id.charAt(0))) {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Returns the id, or throws a {@link InterruptHubException.Kind#INVALID_INPUT} naming the field. */
    public static String require(String id, String field) {
        if (!isValid(id)) {
            throw new InterruptHubException(InterruptHubException.Kind.INVALID_INPUT, field + " must match " + PATTERN);
        }
        return id;
    }
}
