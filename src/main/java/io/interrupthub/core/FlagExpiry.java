package io.interrupthub.core;

import java.time.Clock;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Clears each flag when it expires. While a timer runs it (a started manager on the system clock),
 * {@link InterruptManager#shouldInterrupt} trusts a set flag without reading the clock: a clock read costs
 * several times the map lookup that the poll is measured against.
 *
 * <p>Every flag has the same lifetime, so flags expire in the order they were set and a FIFO is a time
 * order; concurrent interrupts may enqueue a few microseconds out of order, which only delays the later
 * one's clearing by as much. Entries are not removed when a flag is reset or replaced: the drain checks
 * that the device still holds that very flag. So memory is bounded by the interrupts of the last
 * {@code INTERRUPT_TIMEOUT}, drained by the timer, by {@link #drain} in every sweep and after every interrupt.
 */
final class FlagExpiry {

    private record Pending(Device device, Device.Flag flag) {
    }

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock draining = new ReentrantLock();
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
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

    /** Records a flag just set on {@code device}. */
    void added(Device device, Device.Flag flag) {
        queue.offer(new Pending(device, flag));
        scheduleWake();
    }

    /** Clears flags from now on when they expire, on {@code timer}'s thread; null stops that. */
    void runOn(ScheduledExecutorService newTimer) {
        timer = newTimer;
        wakeScheduled.set(false);
        scheduleWake();
    }

    /**
     * Clears every queued flag that has expired by {@code nowMillis}. With {@code wait} false it gives way
     * to a drain already running. Callers hold no device lock (this takes them one at a time).
     */
    void drain(long nowMillis, boolean wait) {
        if (wait) {
            draining.lock();
        } else if (!draining.tryLock()) {
            return;
        }
        try {
            Pending head;
            while ((head = queue.peek()) != null && !head.flag.activeAt(nowMillis)) {
                queue.poll(); // only drainers poll, and they hold the lock: this is head
                Device device = head.device;
                synchronized (device) {
                    if (device.flag == head.flag) {
                        devices.setFlag(device, null);
                        cleared.accept(device);
                    }
                }
            }
        } finally {
            draining.unlock();
        }
    }

    private void scheduleWake() {
        ScheduledExecutorService t = timer;
        Pending head = queue.peek();
        if (t == null || head == null || !wakeScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(0, head.flag.expiresAtMillis() - clock.millis());
        try {
            t.schedule(this::wake, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            wakeScheduled.set(false); // the manager is closing
        }
    }

    private void wake() {
        drain(clock.millis(), true);
        wakeScheduled.set(false);
        // An added() that saw wakeScheduled still true left its flag to this wake: schedule for the new head.
        scheduleWake();
    }
}
