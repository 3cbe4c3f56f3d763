package io.interrupthub.reference;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * Per-device state of a reference module, bounded: the least recently used device is dropped beyond
 * {@code maxDevices}, so a flood of device ids cannot grow it.
 */
final class DeviceState<T> {

    private final Map<String, T> entries;

    DeviceState(int maxDevices) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, T> eldest) {
                return size() > maxDevices;
            }
        };
    }

    synchronized T get(String hardwareId, Function<String, T> create) {
        return entries.computeIfAbsent(hardwareId, create);
    }

    synchronized @Nullable T peek(String hardwareId) {
        return entries.get(hardwareId);
    }

    synchronized T remove(String hardwareId) {
        return entries.remove(hardwareId);
    }

    synchronized int size() {
        return entries.size();
    }
}
