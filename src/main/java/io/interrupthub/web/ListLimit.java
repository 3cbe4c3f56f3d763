package io.interrupthub.web;

import io.interrupthub.core.InterruptHubException;

/** The contract's bound on every list: {@code limit} defaults to 100 and is at most 1000. */
final class ListLimit {

    static final int DEFAULT = 100;
    static final int MAX = 1000;

    private ListLimit() {}

    static int of(Integer requested) {
        if (requested == null) {
            return DEFAULT;
        }
        if (requested < 1 || requested > MAX) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT,
                    "limit must be between 1 and " + MAX + ", was " + requested);
        }
        return requested;
    }
}
