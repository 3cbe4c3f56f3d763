package io.interrupthub.core;

import java.time.Clock;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Clears each flag when it expires. While a timer runs it (a started manager on the system clock),
 * {@link InterruptManager#shouldInterrupt} trusts a set flag without reading the clock: a clock read costs
 * several times the map lookup that the poll is measured against.
 *
 * <p>A device is queued once, when a flag is set on it while it has no entry; interrupts that refresh its
 * flag meanwhile add nothing, so memory is bounded by devices, not by the interrupt rate. Every flag has the
 * same lifetime, so first entries come due in the order they were queued and a FIFO is a time order
 * (concurrent interrupts may queue a few microseconds out of order, delaying the later one's clearing by as
 * much). An entry that comes due for a device whose flag was refreshed since moves to a small priority
 * queue at the new flag's expiry, because the FIFO's tail is later than that.
 */
final class FlagExpiry {

    private record Pending(Device device, long dueMillis) {}

    private final ConcurrentLinkedQueue<Pending> firstDue = new ConcurrentLinkedQueue<>();
    /** Guarded by {@link #draining}. */
    private final PriorityQueue<Pending> refreshed = new PriorityQueue<>(Comparator.comparingLong(Pending::dueMillis));

    private final ReentrantLock draining = new ReentrantLock();
    private final Object wakeLock = new Object();
    /** When the next scheduled wake runs; written under {@link #wakeLock}. */
    private volatile long wakeAt = Long.MAX_VALUE;

    private final Clock clock;
    private final DeviceTable devices;
    /** Told about every device whose flag it cleared, with that device's lock held. */
    private final Consumer<Device> cleared;

    private volatile ScheduledExecutorService timer;

    FlagExpiry(Clock clock, DeviceTable devices, Consumer<Device> cleared) {
        this.clock = clock;
        this.devices = devices;
        this.cleared = cleared;
    }

    /** Records a flag just set on {@code device}. Caller holds the device's lock. */
    void added(Device device, Device.Flag flag) {
        if (device.flagQueued) {
            return; // its entry comes due no later than this flag, and the drain then follows the flag
        }
        device.flagQueued = true;
        firstDue.offer(new Pending(device, flag.expiresAtMillis()));
        wakeBy(flag.expiresAtMillis());
    }

    /** Clears flags from now on when they expire, on {@code newTimer}'s thread; null stops that. */
    void runOn(ScheduledExecutorService newTimer) {
        timer = newTimer;
        synchronized (wakeLock) {
            wakeAt = Long.MAX_VALUE;
        }
        wakeBy(clock.millis());
    }

    /**
     * Clears every flag that has expired by {@code nowMillis}. With {@code wait} false it gives way to a
     * drain already running. Callers hold no device lock (this takes them one at a time).
     */
    void drain(long nowMillis, boolean wait) {
        if (wait) {
            draining.lock();
        } else if (!draining.tryLock()) {
            return;
        }
        long next;
        try {
            Pending due;
            while ((due = earliest()) != null && due.dueMillis <= nowMillis) {
                if (due == firstDue.peek()) {
                    firstDue.poll(); // only drainers poll, and they hold the lock
                } else {
                    refreshed.poll();
                }
                follow(due.device, nowMillis);
            }
            next = due == null ? Long.MAX_VALUE : due.dueMillis;
        } finally {
            draining.unlock();
        }
        wakeBy(next);
    }

    private void follow(Device device, long nowMillis) {
        devices.locked(device, locked -> {
            device.flagQueued = false;
            Device.Flag flag = device.flag();
            if (flag == null) {
                return null; // reset, a new turn opened, or the device was reclaimed
            }
            if (!flag.activeAt(nowMillis)) {
                devices.setFlag(device, null);
                cleared.accept(device);
            } else {
                device.flagQueued = true;
                refreshed.add(new Pending(device, flag.expiresAtMillis()));
            }
            return null;
        });
    }

    /** Caller holds {@link #draining}. */
    private Pending earliest() {
        Pending a = firstDue.peek();
        Pending b = refreshed.peek();
        if (a == null) {
            return b;
        }
        return b == null || a.dueMillis <= b.dueMillis ? a : b;
    }

    /** Makes sure a wake runs by {@code atMillis}; extra wakes are harmless, a missing one is not. */
    private void wakeBy(long atMillis) {
        ScheduledExecutorService t = timer;
        if (t == null || atMillis == Long.MAX_VALUE || atMillis >= wakeAt) {
            return;
        }
        synchronized (wakeLock) {
            if (atMillis >= wakeAt) {
                return;
            }
            wakeAt = atMillis;
            try {
                t.schedule(this::wake, Math.max(0, atMillis - clock.millis()), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                wakeAt = Long.MAX_VALUE; // the manager is closing
            }
        }
    }

    private void wake() {
        synchronized (wakeLock) {
            wakeAt = Long.MAX_VALUE; // a later wake still pending only makes the next drain's wakeBy schedule twice
        }
        drain(clock.millis(), true);
    }
}
