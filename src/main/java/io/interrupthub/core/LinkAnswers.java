package io.interrupthub.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for a cluster link's answer on a caller's thread, never on a device lock. */
final class LinkAnswers {

    /** The longest a caller waits for the link, which answers within its own, much shorter, bound. */
    private static final long SAFETY_MILLIS = 10_000;

    private LinkAnswers() {}

    /** The link's answer, or {@code otherwise} when it failed or (against its contract) did not answer. */
    static <T> T await(CompletableFuture<T> answer, T otherwise) {
        try {
            return answer.get(SAFETY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return otherwise;
        } catch (ExecutionException | TimeoutException e) {
            return otherwise;
        }
    }
}
