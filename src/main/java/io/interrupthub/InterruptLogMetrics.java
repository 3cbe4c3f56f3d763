package io.interrupthub;

import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.LoggerFactory;

/**
 * {@code interrupt.log.dropped} ({@code interrupt_log_dropped_total}): interrupt log lines turned away because
 * the service's log queue was full. Present only where that queue is installed (the service started from its
 * {@code main}); a rising count means the log's writer cannot keep up, while the interrupts themselves went on.
 */
final class InterruptLogMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            bindTo(registry, context);
        }
    }

    static void bindTo(MeterRegistry registry, LoggerContext context) {
        InterruptLogQueue queue = AsyncInterruptLog.installed(context);
        if (queue != null) {
            FunctionCounter.builder("interrupt.log.dropped", queue, InterruptLogQueue::dropped)
                    .description("Interrupt log lines dropped because the log queue was full (LOG_INTERRUPTS)")
                    .register(registry);
        }
    }
}
