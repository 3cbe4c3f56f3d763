package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.interrupthub.core.InterruptManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * On shutdown, interrupts every device that still has an open session, so modules drop their work and
 * streaming loops stop, and waits for that at most the largest module timeout (plus a second).
 */
final class InterruptShutdown implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(InterruptShutdown.class);

    private final InterruptManager manager;
    private volatile boolean running;

    InterruptShutdown(InterruptManager manager) {
        this.manager = manager;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (!manager.settings().enabled() || manager.activeSessions() == 0) {
            return;
        }
        Duration bound = manager.modules().stream()
                .map(m -> m.timeout())
                .max(Duration::compareTo)
                .orElse(manager.settings().interruptTimeout())
                .plusSeconds(1);
        try {
            int devices = manager.interruptAll("shutdown")
                    .get(bound.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
            LOG.info("shutdown interrupted the open sessions of {} devices", devices);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("shutdown interrupt did not finish within {}", bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Lower than the web server's phases (graceful shutdown at MAX - 1024, stop at MAX - 2048), so requests
     * have drained and no new session can open while this runs; higher than anything a module may depend on.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
