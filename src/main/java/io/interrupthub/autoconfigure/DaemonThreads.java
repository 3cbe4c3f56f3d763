package io.interrupthub.autoconfigure;

import java.util.concurrent.ThreadFactory;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Threads for the Spring-side pools (cluster, gRPC, event stream, reference pipeline): named, so they are
 * recognisable in a thread dump, and daemon, so none of them holds the JVM up. The core, which imports no
 * Spring, has its own.
 */
public final class DaemonThreads {

    private DaemonThreads() {}

    /** Threads named {@code prefix} followed by a counter. */
    public static ThreadFactory named(String prefix) {
        CustomizableThreadFactory threads = new CustomizableThreadFactory(prefix);
        threads.setDaemon(true);
        return threads;
    }
}
