package io.interrupthub.core;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * Per-device state, bounded by {@code maxDevices} and reclaimed when idle.
 *
 * <p>Reclaiming a device must not let its epoch go backwards, or a session planned for an old turn
 * could look current again. A fixed array of epoch floors, indexed by a hash of the id, remembers the
 * highest epoch each slot has seen; a device that comes back starts from its slot's floor. Collisions
 * only make an epoch jump further ahead, which is harmless, and the memory is constant.
 */
final class DeviceTable {

    private static final int FLOOR_SLOTS = 1 << 14;

    private final ConcurrentHashMap<String, Device> devices = new ConcurrentHashMap<>();
    private final AtomicLongArray floors = new AtomicLongArray(FLOOR_SLOTS);
    private final int maxDevices;

    DeviceTable(int maxDevices) {
        this.maxDevices = maxDevices;
    }

    Device get(String hardwareId) {
        return devices.get(hardwareId);
    }

    int size() {
        return devices.size();
    }

    Collection<Device> all() {
        return devices.values();
    }

    /**
     * Runs {@code action} holding the device's lock, creating the device if it has no state yet. When the
     * action refuses (throws) and leaves a device it created empty, the device goes again: a rejected request
     * must not leave state behind, nor count against {@code maxDevices}.
     */
    <T> T withDevice(String hardwareId, Function<Device, T> action) {
        while (true) {
            Device device = devices.get(hardwareId);
            boolean created = false;
            if (device == null) {
                if (devices.size() >= maxDevices) {
                    throw new InterruptHubException(InterruptHubException.Kind.LIMIT_REACHED,
                            maxDevices + " devices hold interrupt state, the limit set by interrupt.max-devices");
                }
                Device fresh = new Device(hardwareId, floors.get(slot(hardwareId)));
                Device existing = devices.putIfAbsent(hardwareId, fresh);
                created = existing == null;
                device = created ? fresh : existing;
            }
            synchronized (device) {
                if (!device.retired) {
                    try {
                        return action.apply(device);
                    } catch (RuntimeException refused) {
                        if (created && device.untouched()) {
                            retire(device);
                        }
                        throw refused;
                    }
                }
            }
        }
    }

    /** Like {@link #withDevice} but returns {@code absent} instead of creating state for an unknown device. */
    <T> T withExistingDevice(String hardwareId, Function<Device, T> action, T absent) {
        while (true) {
            Device device = devices.get(hardwareId);
            if (device == null) {
                return absent;
            }
            synchronized (device) {
                if (!device.retired) {
                    return action.apply(device);
                }
            }
        }
    }

    /** The epoch a device would report now, without creating state for it. */
    long currentEpoch(String hardwareId) {
        Device device = devices.get(hardwareId);
        if (device == null) {
            return floors.get(slot(hardwareId));
        }
        synchronized (device) {
            return device.epoch;
        }
    }

    /** Drops devices with no sessions, no live flag and no running fan-out. */
    int reclaimIdle(long nowMillis) {
        int reclaimed = 0;
        for (Device device : devices.values()) {
            synchronized (device) {
                if (!device.retired && device.idleAt(nowMillis)) {
                    retire(device);
                    reclaimed++;
                }
            }
        }
        return reclaimed;
    }

    /** Caller holds the device's lock. The floor keeps its epoch, so it never goes back. */
    private void retire(Device device) {
        device.retired = true;
        floors.accumulateAndGet(slot(device.hardwareId), device.epoch, Math::max);
        devices.remove(device.hardwareId, device);
    }

    private static int slot(String hardwareId) {
        int h = hardwareId.hashCode();
        return (h ^ (h >>> 16)) & (FLOOR_SLOTS - 1);
    }
}
