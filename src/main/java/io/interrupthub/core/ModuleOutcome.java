package io.interrupthub.core;

/** How one module took an interrupt. */
public enum ModuleOutcome {
    OK,
    FAILED,
    TIMED_OUT,
    DISABLED
}
