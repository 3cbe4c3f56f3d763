package io.interrupthub.cluster;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import io.interrupthub.autoconfigure.DaemonThreads;

/**
 * The Redis commands of this instance that the cluster orders (announcements, pauses and their decisions, the
 * epoch a commit is checked against), off every caller's thread. A device's commands run one at a time in the
 * order they were asked, so Redis sees this instance's pause before the interrupt that confirms it and a commit's
 * read after this instance's announcement; different devices spread over a few lanes.
 *
 * <p>A lane whose command has run longer than {@code slowAfter} says Redis is slow: requests that would wait for
 * an answer then answer from local state at once instead (the command itself still completes or times out).
 */
final class DeviceLanes implements AutoCloseable {

    private static final int LANES = 4;

    private final ThreadPoolExecutor[] lanes = new ThreadPoolExecutor[LANES];
    /** Per lane, and one more slot for the heartbeat: System.nanoTime() when its running command began, 0 idle. */
    private final AtomicLongArray busySince = new AtomicLongArray(LANES + 1);

    private final long slowAfterNanos;

    DeviceLanes(int maxPending, Duration slowAfter) {
        this.slowAfterNanos = slowAfter.toNanos();
        for (int i = 0; i < LANES; i++) {
            lanes[i] = new ThreadPoolExecutor(
                    1,
                    1,
                    30,
                    TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(Math.max(1, maxPending / LANES)),
                    DaemonThreads.named("interrupt-cluster-lane-" + i + "-"));
            lanes[i].allowCoreThreadTimeOut(true);
        }
    }

    /**
     * Runs {@code command} after the device's earlier ones. The future fails with the command's exception, or at
     * once with a {@link java.util.concurrent.RejectedExecutionException} when the lane's queue is full.
     */
    <T> CompletableFuture<T> submit(String hardwareId, Callable<T> command) {
        int lane = Math.floorMod(hardwareId.hashCode(), LANES);
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            lanes[lane].execute(() -> {
                try {
                    answer.complete(timed(lane, command));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RuntimeException rejected) {
            answer.completeExceptionally(rejected);
        }
        return answer;
    }

    /** Runs the heartbeat's command on the caller's thread, so a stalled heartbeat says Redis is slow too. */
    <T> T heartbeat(Callable<T> command) {
        return timed(LANES, command);
    }

    /** A command has been running longer than the slow threshold: Redis is stalled or overloaded right now. */
    boolean slow() {
        long now = System.nanoTime();
        for (int i = 0; i < busySince.length(); i++) {
            long since = busySince.get(i);
            if (since != 0 && now - since > slowAfterNanos) {
                return true;
            }
        }
        return false;
    }

    private <T> T timed(int slot, Callable<T> command) {
        busySince.set(slot, System.nanoTime() | 1);
        try {
            return command.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            busySince.set(slot, 0);
        }
    }

    @Override
    public void close() {
        for (ThreadPoolExecutor lane : lanes) {
            lane.shutdownNow();
        }
    }
}
