package io.interrupthub.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * Per-device state, bounded by {@code maxDevices} and reclaimed when idle.
 *
 * <p>Reclaiming a device must not let its epoch go backwards, or a session planned for an old turn
 * could look current again. A fixed array of epoch floors, indexed by a hash of the id, remembers the
 * highest epoch each slot has seen; a device that comes back starts from its slot's floor. Collisions
 * only make an epoch jump further ahead, which is harmless, and the memory is constant.
 *
 * <p>A sweep visits only devices that may have become idle, not the whole table: a device is queued,
 * once, whenever it is left without sessions (after any action under its lock, or when its last session
 * is detached), when its flag is cleared and when its fan-out is forgotten. A visit that finds it still
 * busy drops it, because the end of whatever keeps it busy queues it again. So the cost of a sweep
 * follows what changed since the last one, not how many devices there are.
 */
final class DeviceTable {

    private static final int FLOOR_SLOTS = 1 << 14;

    private final ConcurrentHashMap<String, Device> devices = new ConcurrentHashMap<>();
    /**
     * The flags that are set, mirrored from {@link Device#flag} under the device's lock, so a poll is one
     * lookup in a map that holds only devices with a flag, and reads the flag without another indirection.
     */
    private final ConcurrentHashMap<String, Device.Flag> flags = new ConcurrentHashMap<>();

    private final AtomicLongArray floors = new AtomicLongArray(FLOOR_SLOTS);
    private final ConcurrentLinkedQueue<Device> candidates = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
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

    /** The device's flag as last set, without locking; it may have expired. */
    Device.Flag flag(String hardwareId) {
        return flags.get(hardwareId);
    }

    /** The set flags by device, read-only for callers: the poll reads it directly, one load less. */
    ConcurrentHashMap<String, Device.Flag> flagsByDevice() {
        return flags;
    }

    /** Every set flag; some may have expired. */
    Collection<Device.Flag> flags() {
        return flags.values();
    }

    /** Sets or (with null) clears the device's flag. Caller holds the device's lock. */
    void setFlag(Device device, Device.Flag flag) {
        if (flag != null) {
            device.flag(flag);
            flags.put(device.hardwareId, flag);
        } else if (device.flag() != null) {
            device.flag(null);
            flags.remove(device.hardwareId);
        }
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
                    throw new InterruptHubException(
                            InterruptHubException.Kind.LIMIT_REACHED,
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
                    } finally {
                        mayBeIdle(device);
                    }
                }
            }
        }
    }

    /**
     * Runs {@code action} holding the lock of a device that a queue kept (it may have been retired since: the action
     * then finds none of its state, since a device is retired only once idle).
     */
    <T> T locked(Device device, Function<Device, T> action) {
        synchronized (device) {
            try {
                return action.apply(device);
            } finally {
                mayBeIdle(device);
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
                    try {
                        return action.apply(device);
                    } finally {
                        mayBeIdle(device);
                    }
                }
            }
        }
    }

    /**
     * Queues the device for the next sweep if it holds no session (it may be idle now, or once its flag
     * expires or its fan-out ends, each of which queues it again). Caller holds the device's lock.
     */
    void mayBeIdle(Device device) {
        if (!device.reclaimQueued && !device.retired && device.sessions().isEmpty()) {
            device.reclaimQueued = true;
            queued.incrementAndGet();
            candidates.offer(device);
        }
    }

    /** The epoch a device would report now, without creating state for it. */
    long currentEpoch(String hardwareId) {
        Device device = devices.get(hardwareId);
        if (device == null) {
            return floors.get(slot(hardwareId));
        }
        synchronized (device) {
            return device.epoch();
        }
    }

    /** Every device held now and its epoch (at most {@code maxDevices}); devices already dropped are not listed. */
    Map<String, Long> epochs() {
        Map<String, Long> epochs = new HashMap<>();
        for (Device device : devices.values()) {
            synchronized (device) {
                epochs.put(device.hardwareId, device.epoch());
            }
        }
        return epochs;
    }

    /** The epochs of the given devices, as each would report it now. */
    Map<String, Long> epochsOf(Collection<String> hardwareIds) {
        Map<String, Long> epochs = new HashMap<>();
        for (String hardwareId : hardwareIds) {
            epochs.put(hardwareId, currentEpoch(hardwareId));
        }
        return epochs;
    }

    /** Drops devices with no sessions, no live flag and no running fan-out, among those queued. */
    int reclaimIdle(long nowMillis) {
        int reclaimed = 0;
        // Only those queued when the sweep began: devices queued meanwhile wait for the next one.
        for (int n = queued.get(); n > 0; n--) {
            Device device = candidates.poll();
            if (device == null) {
                break;
            }
            queued.decrementAndGet();
            synchronized (device) {
                device.reclaimQueued = false;
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
        setFlag(device, null); // idle: expired if set
        floors.accumulateAndGet(slot(device.hardwareId), device.epoch(), Math::max);
        devices.remove(device.hardwareId, device);
    }

    private static int slot(String hardwareId) {
        int h = hardwareId.hashCode();
        return (h ^ (h >>> 16)) & (FLOOR_SLOTS - 1);
    }
}
