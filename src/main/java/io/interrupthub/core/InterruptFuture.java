package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;

/**
 * The result of one interrupt call, with the epoch known at once, so a caller that does not wait
 * ({@code ?wait=false}) can still answer which turn it ended. Each caller gets its own future, so
 * completing or cancelling it cannot affect other callers of a coalesced interrupt.
 */
public final class InterruptFuture extends CompletableFuture<InterruptResult> {

    private final String hardwareId;
    private final long epoch;

    InterruptFuture(String hardwareId, long epoch) {
        this.hardwareId = hardwareId;
        this.epoch = epoch;
    }

    public String hardwareId() {
        return hardwareId;
    }

    public long epoch() {
        return epoch;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
