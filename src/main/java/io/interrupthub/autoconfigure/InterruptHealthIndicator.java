package io.interrupthub.autoconfigure;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.StatisticsSnapshot;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Up while the manager runs. Details say what an operator checks first: is it enabled, how many
 * modules, how close the sessions are to the cap.
 */
final class InterruptHealthIndicator implements HealthIndicator {

    private final InterruptManager manager;

    InterruptHealthIndicator(InterruptManager manager) {
        this.manager = manager;
    }

    @Override
    public Health health() {
        StatisticsSnapshot.Sessions sessions = manager.statistics().sessions();
        return Health.up()
                .withDetail("enabled", manager.settings().enabled())
                .withDetail("modules", manager.modules().size())
                .withDetail("sessionsActive", sessions.active())
                .withDetail("sessionsMax", sessions.maxActive())
                .withDetail("flagsActive", manager.activeFlags())
                .build();
    }
}
