package io.interrupthub.core;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The interrupt flags as pollers and the API read them. Flags are set and cleared by a device's turn (under its
 * lock); this reads them without locking, and clears them on time while a timer runs.
 */
final class Flags {

    private final InterruptSettings settings;
    private final Clock clock;
    private final DeviceTable devices;
    /** {@link DeviceTable#flagsByDevice()}, held here (as the concrete type: no type check) for the poll. */
    private final ConcurrentHashMap<String, Device.Flag> flags;

    private final FlagExpiry expiry;
    private final Supplier<ClusterLink> link;
    /** The system clock, whose time a timer thread can wait for; an injected clock is read on every check. */
    private final boolean systemClock;
    /** Set while {@link #expiry} clears flags on time, so a set flag is live without a clock read. */
    private volatile boolean clearedOnTime;

    Flags(InterruptSettings settings, Clock clock, DeviceTable devices, FlagExpiry expiry, Supplier<ClusterLink> link) {
        this.settings = settings;
        this.clock = clock;
        this.devices = devices;
        this.flags = devices.flagsByDevice();
        this.expiry = expiry;
        this.link = link;
        this.systemClock = clock.getClass() == Clock.systemUTC().getClass();
    }

    /** Clears flags on {@code timer} as they expire (null stops that); only on the system clock. */
    void runOn(ScheduledExecutorService timer) {
        if (timer == null) {
            clearedOnTime = false;
            expiry.runOn(null);
        } else if (systemClock) {
            expiry.drain(clock.millis(), true);
            expiry.runOn(timer);
            clearedOnTime = true;
        }
    }

    boolean shouldInterrupt(String hardwareId) {
        if (hardwareId == null) {
            return false;
        }
        // No enabled check: with interrupts switched off no flag is ever set, so the lookup finds none.
        Device.Flag flag = flags.get(hardwareId);
        return flag != null && (clearedOnTime || flag.activeAt(clock.millis()));
    }

    FlagStatus status(String hardwareId) {
        Device.Flag flag = devices.flag(hardwareId);
        long epoch = devices.get(hardwareId) != null
                ? devices.currentEpoch(hardwareId)
                : link.get().epoch(hardwareId).orElseGet(() -> devices.currentEpoch(hardwareId));
        if (flag == null || !flag.activeAt(clock.millis()) || !settings.enabled()) {
            return new FlagStatus(
                    hardwareId,
                    false,
                    epoch,
                    null,
                    null,
                    settings.checkInterval().toMillis());
        }
        return of(hardwareId, epoch, flag);
    }

    void reset(String hardwareId) {
        devices.withExistingDevice(
                hardwareId,
                device -> {
                    devices.setFlag(device, null);
                    return null;
                },
                null);
    }

    /** The set flags, newest first. */
    List<FlagStatus> list(int limit) {
        long now = clock.millis();
        if (!settings.enabled()) {
            return List.of();
        }
        return flags.entrySet().stream()
                .filter(e -> e.getValue().activeAt(now))
                .sorted(Comparator.comparingLong((Map.Entry<String, Device.Flag> e) ->
                                e.getValue().setAtMillis())
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(limit)
                .map(e -> of(e.getKey(), e.getValue().epoch(), e.getValue()))
                .toList();
    }

    long active() {
        long now = clock.millis();
        long count = 0;
        for (Device.Flag flag : devices.flags()) {
            if (flag.activeAt(now)) {
                count++;
            }
        }
        return count;
    }

    /** Clears what expired; with {@code wait} false it gives way to a drain already running. */
    void drain(long nowMillis, boolean wait) {
        expiry.drain(nowMillis, wait);
    }

    private FlagStatus of(String hardwareId, long epoch, Device.Flag flag) {
        return new FlagStatus(
                hardwareId,
                true,
                epoch,
                Instant.ofEpochMilli(flag.setAtMillis()),
                Instant.ofEpochMilli(flag.expiresAtMillis()),
                settings.checkInterval().toMillis());
    }
}
