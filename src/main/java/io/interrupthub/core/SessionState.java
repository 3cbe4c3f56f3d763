package io.interrupthub.core;

public enum SessionState {
    ACTIVE,
    INTERRUPTED,
    ENDED,
    EXPIRED
}
