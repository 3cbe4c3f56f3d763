package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls modules in parallel on a bounded pool, each bounded by its own timeout.
 *
 * <p>The timeout is enforced on the result, not on the thread: when it passes, the caller gets
 * {@code TIMED_OUT} at once and the module's thread is interrupted. A module that ignores the
 * interrupt keeps its thread, which is why the pool and its queue are bounded: a saturated pool
 * makes further calls fail fast as {@code FAILED}, it never makes a caller wait longer.
 */
final class FanOut implements AutoCloseable {

    private static final int MAX_ERROR_LENGTH = 200;

    private final ThreadPoolExecutor executor;

    FanOut(int threads, int queueCapacity) {
        this.executor = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity),
                daemonThreads("interrupt-module-"));
        this.executor.allowCoreThreadTimeOut(true);
    }

    int activeThreads() {
        return executor.getActiveCount();
    }

    CompletableFuture<ModuleResult> call(ModuleRegistry.Registered module, InterruptCause cause) {
        return call(module, cause, module.actions());
    }

    /** Calls the given actions of the module (its interrupt actions, or its pause or resume action). */
    CompletableFuture<ModuleResult> call(
            ModuleRegistry.Registered module, InterruptCause cause, List<ModuleAction> actions) {
        if (!module.enabled()) {
            return CompletableFuture.completedFuture(ModuleResult.disabled(module.name()));
        }
        long start = System.nanoTime();
        Duration timeout = module.timeout();
        CompletableFuture<ModuleResult> result = new CompletableFuture<>();
        FutureTask<Void> task = new FutureTask<>(
                () -> {
                    if (!result.isDone()) {
                        result.complete(runActions(module, actions, cause, start));
                    }
                },
                null);
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            result.complete(new ModuleResult(
                    module.name(),
                    ModuleOutcome.FAILED,
                    Durations.millis(System.nanoTime() - start),
                    "module threads saturated, call refused"));
            return result;
        }
        result.completeOnTimeout(
                new ModuleResult(
                        module.name(),
                        ModuleOutcome.TIMED_OUT,
                        Durations.millis(timeout.toNanos()),
                        "no answer within " + Durations.seconds(timeout)),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        result.thenAccept(r -> {
            if (r.outcome() == ModuleOutcome.TIMED_OUT) {
                task.cancel(true);
            }
        });
        return result;
    }

    private static ModuleResult runActions(
            ModuleRegistry.Registered module, List<ModuleAction> actions, InterruptCause cause, long start) {
        // Every action runs even when an earlier one fails: each drops a different piece of stale work.
        List<String> errors = new ArrayList<>(0);
        for (ModuleAction action : actions) {
            try {
                action.body().run(cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors.add(action.name() + ": interrupted");
                break;
            } catch (Throwable e) { // an Error from one module is that module's failure, not the pool's
                errors.add(action.name() + ": " + describe(e));
            }
        }
        long nanos = System.nanoTime() - start;
        if (errors.isEmpty()) {
            return ModuleResult.ok(module.name(), nanos);
        }
        if (nanos >= module.timeout().toNanos()) {
            // Failed because its own wait ran out as the budget did: that is a timeout, whichever timer won.
            return new ModuleResult(
                    module.name(),
                    ModuleOutcome.TIMED_OUT,
                    Durations.millis(nanos),
                    "no answer within " + Durations.seconds(module.timeout()));
        }
        return new ModuleResult(
                module.name(), ModuleOutcome.FAILED, Durations.millis(nanos), truncate(String.join("; ", errors)));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 1) + "…";
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** The modules that declare {@code pause} (or {@code resume}), in parallel, each within its timeout. */
    CompletableFuture<List<ModuleResult>> pauseActions(ModuleRegistry registry, Pause pause, boolean pausing) {
        InterruptCause cause = new InterruptCause(
                pause.hardwareId(),
                pause.epoch(),
                pause.reason() == null ? "unspecified" : pause.reason(),
                pause.source(),
                pausing ? pause.pausedAt() : pause.endedAt());
        List<CompletableFuture<ModuleResult>> calls = new ArrayList<>();
        for (ModuleRegistry.Registered module : registry.modules()) {
            List<ModuleAction> actions = pausing ? module.pauseActions() : module.resumeActions();
            if (!actions.isEmpty()) {
                calls.add(call(module, cause, actions));
            }
        }
        if (calls.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenApply(done -> calls.stream().map(CompletableFuture::join).toList());
    }
}
