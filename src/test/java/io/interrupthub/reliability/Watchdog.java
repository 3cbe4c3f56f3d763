package io.interrupthub.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for worker threads with a hard deadline. When they do not finish, the test fails with the JVM's
 * deadlock report and a dump of every thread, instead of hanging the build.
 */
final class Watchdog {

    private Watchdog() {}

    /** Waits for every future; on the deadline throws an AssertionError carrying a full thread dump. */
    static void awaitAll(List<? extends Future<?>> futures, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Future<?> future : futures) {
            try {
                future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(
                        what + " did not finish within " + limit + " (deadlock or lost wake-up?)\n" + threadDump());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted while waiting", e);
            } catch (ExecutionException e) {
                throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    static String threadDump() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        StringBuilder out = new StringBuilder();
        long[] deadlocked = mx.findDeadlockedThreads();
        if (deadlocked != null) {
            out.append("DEADLOCK between ").append(deadlocked.length).append(" threads:\n");
            for (ThreadInfo info : mx.getThreadInfo(deadlocked, true, true)) {
                out.append(format(info));
            }
        } else {
            out.append("no monitor deadlock reported by the JVM\n");
        }
        out.append("---- all threads ----\n");
        for (ThreadInfo info : mx.dumpAllThreads(true, true)) {
            out.append(format(info));
        }
        return out.toString();
    }

    /** ThreadInfo.toString cuts stacks at 8 frames; this keeps 40. */
    private static String format(ThreadInfo info) {
        StringBuilder out = new StringBuilder("\"")
                .append(info.getThreadName())
                .append("\" ")
                .append(info.getThreadState());
        if (info.getLockName() != null) {
            out.append(" on ").append(info.getLockName());
        }
        if (info.getLockOwnerName() != null) {
            out.append(" owned by \"").append(info.getLockOwnerName()).append('"');
        }
        out.append('\n');
        StackTraceElement[] stack = info.getStackTrace();
        for (int i = 0; i < Math.min(40, stack.length); i++) {
            out.append("\tat ").append(stack[i]).append('\n');
        }
        return out.append('\n').toString();
    }
}
