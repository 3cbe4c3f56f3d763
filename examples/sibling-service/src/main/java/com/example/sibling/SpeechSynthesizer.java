package com.example.sibling;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import org.springframework.stereotype.Component;

/** The sibling's audio module, as an Interruptible bean: registered with the manager by itself. */
@Component
public class SpeechSynthesizer implements Interruptible {

    /** The epoch at which each device's synthesis was last stopped; one entry per device in this example. */
    private final Map<String, Long> stoppedAt = new ConcurrentHashMap<>();

    @Override
    public String moduleName() {
        return "audio_generation";
    }

    @Override
    public List<ModuleAction> actions() {
        return List.of(ModuleAction.of(ModuleAction.STOP_GENERATION, this::stop));
    }

    private void stop(InterruptCause cause) {
        stoppedAt.merge(cause.hardwareId(), cause.epoch(), Math::max);
    }

    public Long lastStoppedEpoch(String hardwareId) {
        return stoppedAt.get(hardwareId);
    }
}
