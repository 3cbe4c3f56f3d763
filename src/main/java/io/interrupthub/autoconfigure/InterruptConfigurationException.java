package io.interrupthub.autoconfigure;

/** A configuration value that keeps the service from starting; the message names the variable. */
public final class InterruptConfigurationException extends RuntimeException {

    private final String variable;

    public InterruptConfigurationException(String variable, String problem, Throwable cause) {
        super(variable + ": " + problem, cause);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
