package com.example.sibling;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.interrupthub.autoconfigure.OnInterrupt;
import io.interrupthub.core.InterruptCause;
import org.springframework.stereotype.Service;

/** The sibling's text module, written with annotated methods instead of the interface. */
@Service
public class TextGenerator {

    private final Map<String, String> buffers = new ConcurrentHashMap<>();
    private final Map<String, Long> cancelledAt = new ConcurrentHashMap<>();

    public void buffer(String hardwareId, String text) {
        buffers.merge(hardwareId, text, String::concat);
    }

    public String buffered(String hardwareId) {
        return buffers.getOrDefault(hardwareId, "");
    }

    public Long lastCancelledEpoch(String hardwareId) {
        return cancelledAt.get(hardwareId);
    }

    @OnInterrupt(module = "text_processing", order = 1)
    void cancelGeneration(InterruptCause cause) {
        cancelledAt.merge(cause.hardwareId(), cause.epoch(), Math::max);
    }

    @OnInterrupt(module = "text_processing", order = 2)
    void clearBuffers(InterruptCause cause) {
        buffers.remove(cause.hardwareId());
    }
}
