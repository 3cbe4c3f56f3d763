package io.interrupthub;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.interrupthub.autoconfigure.QueueLinger;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * The service writes its per-interrupt log line ({@code LOG_INTERRUPTS}) through a bounded queue, so a slow
 * console or disk never holds an interrupt request: the line is queued and a Logback worker thread writes it.
 * A full queue drops the line and counts it ({@code interrupt.log.dropped}). Only this one logger goes through
 * the queue; every other line (start-up, warnings, errors) is still written at once and never dropped. On
 * shutdown the queue is written out before Logback stops.
 * <p>
 * This is the service's choice, made in its {@code main}: the library installs nothing into a host
 * application's logging, and a host that wants the same calls {@link #install(LoggerContext, int)}.
 * It runs right after Boot has configured logging, so it wraps whatever appenders Boot (or an operator's
 * {@code logging.config}) set up, plain or structured.
 */
final class AsyncInterruptLog implements ApplicationListener<ApplicationEvent>, Ordered {

    /** The logger of the per-interrupt line (the library's {@code InterruptLogListener}). */
    static final String LOGGER_NAME = "io.interrupthub.interrupts";

    static final String ENABLED_PROPERTY = "interrupt.log.async";
    static final String CAPACITY_PROPERTY = "interrupt.log.queue-capacity";

    /**
     * Lines the queue holds. At a few hundred bytes a line this is well under a megabyte, and it absorbs
     * seconds of a stalled writer at the interrupt rates measured in docs/BENCHMARKS.md.
     */
    static final int DEFAULT_CAPACITY = 1024;

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            Environment environment = prepared.getEnvironment();
            if (environment.getProperty(ENABLED_PROPERTY, Boolean.class, true)
                    && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
                install(context, environment.getProperty(CAPACITY_PROPERTY, Integer.class, DEFAULT_CAPACITY));
            }
        } else if (event instanceof ContextClosedEvent closed
                && closed.getApplicationContext().getParent() == null
                && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            // Before Boot's shutdown hook stops Logback: write what is queued while the appenders still run.
            uninstall(context);
        }
    }

    /** Right after Boot's logging set-up, which runs on the same event. */
    @Override
    public int getOrder() {
        return LoggingApplicationListener.DEFAULT_ORDER + 1;
    }

    /**
     * Puts a queue of {@code capacity} lines between the interrupt logger and the appenders it inherits from its
     * ancestors (root's console or file, plain or structured). Appenders attached to that logger itself, if an
     * operator's configuration adds any, stay as they are. Idempotent; returns the queue in use.
     */
    static InterruptLogQueue install(LoggerContext context, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException(CAPACITY_PROPERTY + " must be at least 1, was " + capacity);
        }
        return install(context, capacity, QueueLinger.forCapacity(capacity));
    }

    /** {@link #install(LoggerContext, int)} with the writer's pause given. */
    static InterruptLogQueue install(LoggerContext context, int capacity, QueueLinger linger) {
        InterruptLogQueue existing = installed(context);
        if (existing != null) {
            return existing;
        }
        Logger logger = context.getLogger(LOGGER_NAME);
        InterruptLogQueue queue = new InterruptLogQueue(
                context,
                capacity,
                linger,
                logger.isAdditive(),
                logger.isAdditive() ? context.getLogger(parentName(LOGGER_NAME)) : null);
        queue.start();
        logger.addAppender(queue);
        logger.setAdditive(false);
        return queue;
    }

    /** The queue in front of the interrupt logger, if one was installed. */
    static @Nullable InterruptLogQueue installed(LoggerContext context) {
        return context.getLogger(LOGGER_NAME).getAppender(InterruptLogQueue.NAME) instanceof InterruptLogQueue queue
                ? queue
                : null;
    }

    /** Writes what is queued (for at most Logback's flush time) and writes directly from then on. */
    static void uninstall(LoggerContext context) {
        InterruptLogQueue queue = installed(context);
        if (queue == null) {
            return;
        }
        Logger logger = context.getLogger(LOGGER_NAME);
        logger.setAdditive(queue.wasAdditive());
        logger.detachAppender(queue);
        queue.stop();
    }

    private static String parentName(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? Logger.ROOT_LOGGER_NAME : name.substring(0, dot);
    }
}
