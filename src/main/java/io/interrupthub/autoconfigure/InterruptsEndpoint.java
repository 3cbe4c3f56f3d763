package io.interrupthub.autoconfigure;

import java.util.List;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleInfo;
import io.interrupthub.core.StatisticsSnapshot;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/interrupts}: the statistics, the configured modules and the latest interrupts, for
 * operators on the management port. Read-only; not exposed unless listed in
 * {@code management.endpoints.web.exposure.include}. (The id {@code sessions} belongs to Spring Session.)
 */
@Endpoint(id = "interrupts", defaultAccess = Access.READ_ONLY)
public final class InterruptsEndpoint {

    /** What the endpoint shows. */
    public record Report(StatisticsSnapshot statistics, List<ModuleInfo> modules, List<InterruptResult> recent) {}

    static final int RECENT = 20;

    private final InterruptManager manager;

    InterruptsEndpoint(InterruptManager manager) {
        this.manager = manager;
    }

    @ReadOperation
    public Report report() {
        return new Report(manager.statistics(), manager.modules(), manager.history(null, RECENT));
    }

    /** {@code /actuator/interrupts/{hardwareId}}: the device's latest interrupts. */
    @ReadOperation
    public List<InterruptResult> device(@Selector String hardwareId) {
        return manager.history(hardwareId, RECENT);
    }
}
