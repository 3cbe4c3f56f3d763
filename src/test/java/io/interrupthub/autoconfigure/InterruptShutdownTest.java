package io.interrupthub.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.Session;
import io.interrupthub.core.SessionState;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class InterruptShutdownTest {

    @Test
    void closingTheContextInterruptsOpenSessionsAndTellsModules() {
        List<String> told = new CopyOnWriteArrayList<>();
        Interruptible module = new Interruptible() {
            @Override
            public String moduleName() {
                return "audio_generation";
            }

            @Override
            public List<ModuleAction> actions() {
                return List.of(ModuleAction.of(
                        ModuleAction.STOP_GENERATION, cause -> told.add(cause.hardwareId() + ":" + cause.reason())));
            }
        };
        Session[] sessions = new Session[3];
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class))
                .withBean(Interruptible.class, () -> module)
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    sessions[0] = manager.openSession("dev-1");
                    sessions[1] = manager.openSession("dev-2");
                    sessions[2] = manager.openSession("dev-3");
                    manager.endSession(sessions[2].sessionId());
                });
        assertThat(sessions[0].state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(sessions[1].state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(sessions[0].interruptCause())
                .hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("shutdown"));
        assertThat(sessions[2].state()).isEqualTo(SessionState.ENDED);
        assertThat(told).containsExactlyInAnyOrder("dev-1:shutdown", "dev-2:shutdown");
    }
}
