package io.interrupthub.grpc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.interrupthub.autoconfigure.DaemonThreads;

/** Named daemon pools, so the gRPC threads are recognisable in a thread dump and never hold the JVM up. */
final class Threads {

    private Threads() {}

    static ExecutorService fixed(String prefix, int threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreads.named(prefix));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
