package io.interrupthub.core;

/** What an interrupt or a pause may be asked with; a refusal says what is wrong in one sentence. */
final class Requests {

    private static final int MAX_REASON_LENGTH = 256;

    private Requests() {}

    static void requireInterruptible(InterruptSettings settings, String hardwareId, String reason, String source) {
        HardwareIds.require(hardwareId, "hardwareId");
        checkText(reason, "reason");
        checkText(source, "source");
        requireEnabled(settings);
    }

    static void requireEnabled(InterruptSettings settings) {
        if (!settings.enabled()) {
            // Switched off here: nothing changes, not even the flag a poll would see.
            throw new InterruptHubException(
                    InterruptHubException.Kind.DISABLED,
                    "interrupts are switched off (GLOBAL_INTERRUPT_ENABLED=false)");
        }
    }

    static void checkText(String text, String field) {
        if (text == null) {
            return;
        }
        if (text.length() > MAX_REASON_LENGTH) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT,
                    field + " must be at most " + MAX_REASON_LENGTH + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.INVALID_INPUT, field + " must not contain control characters");
            }
        }
    }
}
