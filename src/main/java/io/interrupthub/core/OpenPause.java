package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;

/**
 * A device's pause while it waits for its decision. Every field but {@link #decided} is guarded by the
 * device's lock; whoever takes it off the device under that lock (resume, interrupt or expiry) decides.
 */
final class OpenPause {

    /** What it is now; replaced as sessions are born paused into it. */
    volatile Pause snapshot;
    /** Its window ended and it is becoming an interrupt: a resume is too late. */
    boolean expiring;
    /** Completed with the ended pause once decided; commits of its sessions wait on it. */
    final CompletableFuture<Pause> decided = new CompletableFuture<>();

    OpenPause(Pause snapshot) {
        this.snapshot = snapshot;
    }
}
