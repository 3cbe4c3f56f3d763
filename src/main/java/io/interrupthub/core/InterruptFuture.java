package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The result of one interrupt call, with the epoch known at once, so a caller that does not wait
 * ({@code ?wait=false}) can still answer which turn it ended. Each caller gets its own future, so
 * completing or cancelling it cannot affect other callers of a coalesced interrupt.
 */
public final class InterruptFuture extends CompletableFuture<InterruptResult> {

    private final String hardwareId;
    private final long epoch;
    private final CompletableFuture<SilenceReport> silence;

    InterruptFuture(String hardwareId, long epoch, CompletableFuture<SilenceReport> silence) {
        this.hardwareId = hardwareId;
        this.epoch = epoch;
        this.silence = silence;
    }

    /**
     * Completes once every session the interrupt marked has reported stopped or ended ({@code CONFIRMED}),
     * or when {@code INTERRUPT_SILENCE_DEADLINE} passed first ({@code MISSED}); it may complete before the
     * modules have answered. Read-only: completing it here cannot change what other callers see.
     */
    public CompletionStage<SilenceReport> silence() {
        return silence.minimalCompletionStage();
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
