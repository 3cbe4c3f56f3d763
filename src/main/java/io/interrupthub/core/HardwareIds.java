package io.interrupthub.core;

import java.util.regex.Pattern;

/** The shape every hardwareId and caller-chosen sessionId must have (contract, "Words"). */
public final class HardwareIds {

    /** Letters, digits and {@code . _ : -}, starting with a letter or digit, at most 128 characters. */
    public static final String PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private HardwareIds() {
    }

    public static boolean isValid(String id) {
        return id != null && id.length() <= 128 && COMPILED.matcher(id).matches();
    }

    /** Returns the id, or throws a {@link InterruptHubException.Kind#INVALID_INPUT} naming the field. */
    public static String require(String id, String field) {
        if (!isValid(id)) {
            throw new InterruptHubException(InterruptHubException.Kind.INVALID_INPUT,
                    field + " must match " + PATTERN);
        }
        return id;
    }
}
