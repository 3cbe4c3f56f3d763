package io.interrupthub.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The tracker's two time queues: open sessions by the instant they would expire, interrupted sessions by
 * the instant they are removed. Every session sits in exactly one of them while it is tracked, through its
 * {@link Session#deadline}; every change is made under the session's device lock.
 *
 * <p>Adding and taking out an entry do the same work at 1k or 1M sessions, a few pointer writes and no
 * search (at 1M those touch memory that is cold, as any per-session state is: docs/BENCHMARKS.md): all
 * sessions share one timeout and one cleanup delay, so entries arrive almost in the order they come due.
 * It also counts the open sessions against {@code MAX_ACTIVE_SESSIONS} and the interrupted ones waiting.
 *
 * <ul>
 *   <li>Removals never move: they are kept in one list in due order (of equal instants, the first queued
 *       first), each added from the list's end (concurrent interrupts may read the clock a little out of
 *       order; the few steps back keep the order exact), so the sweep takes them from the front and
 *       {@link #trimLingering} finds the oldest at once.</li>
 *   <li>Expiries are checked lazily, so a heartbeat stays one volatile write. A timing wheel holds them: one
 *       list per tick of at least the sweep interval, indexed by the tick modulo a wheel that spans the
 *       timeout. A sweep looks at the ticks that passed since the last one and takes each entry that is due;
 *       one whose session heard a heartbeat since goes to the tick of its new expiry, not behind the sessions
 *       opened meanwhile, so it still expires at the first sweep at or after its last heartbeat plus the
 *       timeout.</li>
 * </ul>
 *
 * Entries are taken out eagerly, in constant time (the lists are doubly linked), so the queues hold the
 * tracked sessions and never a dead entry, however many were opened and ended. The expiries are split
 * into stripes by device, each with its own lock, so that opens on different devices rarely wait for each
 * other.
 */
final class SessionQueue {

    /** The wheel's size cap; beyond it ticks grow, and a sweep looks at more entries that are not due yet. */
    static final int MAX_BUCKETS = 256;

    private final DeviceTable devices;
    private final InterruptSettings settings;
    /** Under the device lock, once the queue let go of the session (and its slot): it expires, or leaves the tracker. */
    private final BiConsumer<Device, Session> expire;

    private final BiConsumer<Device, Session> remove;
    /** After the device lock: told of each session that expired. */
    private final Consumer<Session> events;

    private final Queue expiries;
    private final Queue removals;
    /** Open sessions and slots taken for sessions about to open: never above {@code MAX_ACTIVE_SESSIONS}. */
    private final AtomicInteger active = new AtomicInteger();

    private final AtomicInteger lingering = new AtomicInteger();

    SessionQueue(
            DeviceTable devices,
            InterruptSettings settings,
            BiConsumer<Device, Session> expire,
            BiConsumer<Device, Session> remove,
            Consumer<Session> events) {
        this.devices = devices;
        this.settings = settings;
        this.expire = expire;
        this.remove = remove;
        this.events = events;
        int stripes = stripes(Runtime.getRuntime().availableProcessors());
        long timeout = settings.sessionTimeout().toMillis();
        long tick = Math.max(Math.max(1, settings.sweepInterval().toMillis()), -Math.floorDiv(-timeout, MAX_BUCKETS));
        this.expiries = new Queue(stripes, (int) (timeout / tick) + 2, tick);
        // One stripe: interrupts are rarer than opens, and the oldest, of equal instants the first queued, is its head.
        this.removals = new Queue(1, 1, 1);
    }

    /** A power of two: twice the processors, at least 2 and at most 16. */
    static int stripes(int processors) {
        int n = 2;
        while (n < 16 && n < 2 * processors) {
            n <<= 1;
        }
        return n;
    }

    /** Takes a slot only while fewer than the cap are taken, so the count never reads above the cap. */
    boolean reserve() {
        int max = settings.maxActiveSessions();
        while (true) {
            int current = active.get();
            if (current >= max) {
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back: the session it was taken for did not open, or was born interrupted. */
    void release() {
        active.decrementAndGet();
    }

    /** Open sessions, and slots taken for sessions opening now. */
    int active() {
        return active.get();
    }

    /** A session just opened: it expires {@code SESSION_TIMEOUT} after now unless it hears a heartbeat. Device lock. */
    void opened(Session session) {
        session.deadline = new Entry(session.expiresAt().toEpochMilli(), session);
        expiries.add(session.deadline);
    }

    /** The open session is ended or interrupted: it leaves the expiries and gives its slot back. Device lock. */
    void closed(Session session) {
        expiries.remove(session.deadline);
        active.decrementAndGet();
    }

    /**
     * The session is about to be marked interrupted: it is removed {@code SESSION_CLEANUP_DELAY} after now.
     * Its removal time is set first, since readers who see it INTERRUPTED read that without the lock. Device lock.
     */
    void interrupted(Session session, long nowMillis) {
        session.deadline = new Entry(nowMillis + settings.cleanupDelay().toMillis(), session);
        removals.add(session.deadline);
        lingering.incrementAndGet();
    }

    /** Takes an interrupted session out of the removals; false when the sweep or the cap took it first. Device lock. */
    boolean removeInterrupted(Session session) {
        return unlinger(session.deadline);
    }

    private boolean unlinger(Entry entry) {
        if (!removals.remove(entry)) {
            return false;
        }
        lingering.decrementAndGet();
        return true;
    }

    /** Interrupted and past its removal time: gone for clients, whether or not the sweep took it out yet. */
    static boolean removedBy(Session session, long nowMillis) {
        return session.state() == SessionState.INTERRUPTED && session.deadline.atMillis() <= nowMillis;
    }

    /** Interrupted sessions not removed yet. */
    int lingering() {
        return lingering.get();
    }

    /** Entries in the expiries: the open sessions. */
    int expiriesQueued() {
        return expiries.size();
    }

    /** Entries in the removals: the interrupted sessions not removed yet. */
    int removalsQueued() {
        return removals.size();
    }

    /**
     * Interrupted sessions stay visible for {@code SESSION_CLEANUP_DELAY}; a device that opens and is
     * interrupted in a tight loop must not make that list grow, so beyond the session cap the oldest go early.
     */
    void trimLingering() {
        while (lingering.get() > settings.maxActiveSessions()) {
            Entry first = removals.first();
            if (first == null || !removeDue(first)) {
                return;
            }
        }
    }

    /** Removes interrupted sessions whose delay has passed, then expires silent sessions. */
    void sweep(long nowMillis) {
        removals.drain(nowMillis, this::removeDue);
        expiries.drain(nowMillis, due -> expireIfSilent(due, nowMillis));
    }

    private boolean removeDue(Entry due) {
        Session session = due.session;
        Device device = devices.get(session.hardwareId());
        if (device == null) {
            return unlinger(due);
        }
        return devices.locked(device, locked -> {
            if (unlinger(due)) {
                remove.accept(device, session);
            } // else another thread took it; the caller may look at the next one
            return true;
        });
    }

    private void expireIfSilent(Entry due, long nowMillis) {
        Session session = due.session;
        Device device = devices.get(session.hardwareId());
        if (device == null) {
            expiries.remove(due);
            return;
        }
        boolean expired = devices.locked(device, locked -> {
            if (!expiries.remove(due)) {
                return false;
            }
            long expiresAt = session.expiresAt().toEpochMilli();
            if (expiresAt > nowMillis) {
                // Heard a heartbeat since it was queued: back in at the tick of its new expiry.
                session.deadline = new Entry(expiresAt, session);
                expiries.add(session.deadline);
                return false;
            }
            active.decrementAndGet();
            expire.accept(device, session);
            return true;
        });
        if (expired) {
            events.accept(session);
        }
    }

    /** One queue, split into stripes by device. */
    private static final class Queue {

        private final Stripe[] stripes;

        Queue(int stripes, int buckets, long tickMillis) {
            this.stripes = new Stripe[stripes];
            for (int i = 0; i < stripes; i++) {
                this.stripes[i] = new Stripe(buckets, tickMillis);
            }
        }

        private Stripe stripe(Entry entry) {
            int h = entry.session.hardwareId().hashCode();
            return stripes[(h ^ (h >>> 16)) & (stripes.length - 1)];
        }

        void add(Entry entry) {
            Stripe stripe = stripe(entry);
            synchronized (stripe) {
                stripe.add(entry);
            }
        }

        /** False when the entry is in no list (taken out already). */
        boolean remove(Entry entry) {
            Stripe stripe = stripe(entry);
            synchronized (stripe) {
                if (!entry.linked()) {
                    return false;
                }
                entry.unlink();
                stripe.size--;
                return true;
            }
        }

        /** The entry that comes due first (of a queue kept in due order), or null when it is empty. */
        Entry first() {
            Entry first = null;
            for (Stripe stripe : stripes) {
                synchronized (stripe) {
                    Entry candidate = stripe.first();
                    if (candidate != null && (first == null || candidate.atMillis() < first.atMillis())) {
                        first = candidate;
                    }
                }
            }
            return first;
        }

        /**
         * Hands every entry due by {@code nowMillis} to {@code handler}, one at a time and with no lock held;
         * the handler takes it out of the queue (or finds that another thread did).
         */
        void drain(long nowMillis, Consumer<Entry> handler) {
            for (Stripe stripe : stripes) {
                synchronized (stripe) {
                    stripe.collect(nowMillis);
                }
                while (true) {
                    Entry due;
                    synchronized (stripe) {
                        due = stripe.due.next;
                        if (due == stripe.due) {
                            break;
                        }
                    }
                    handler.accept(due);
                }
            }
        }

        int size() {
            int size = 0;
            for (Stripe stripe : stripes) {
                synchronized (stripe) {
                    size += stripe.size;
                }
            }
            return size;
        }
    }

    /**
     * One stripe of a queue: {@code buckets} circular lists, one per tick modulo their number (with one list,
     * kept in due order), and the list of entries the running sweep found due. Guarded by its own monitor.
     */
    private static final class Stripe {

        private final Entry[] buckets;
        private final long tickMillis;
        /** Entries found due, waiting for the sweep to take them out under their device's lock. */
        final Entry due = Entry.sentinel();
        /**
         * No entry is in a tick before this one: the sweep has looked at every earlier tick, and an entry whose
         * instant falls before it (a clock read a little late) goes into this tick, which the next sweep visits.
         */
        private long cursor = Long.MIN_VALUE;

        int size;

        Stripe(int buckets, long tickMillis) {
            this.buckets = new Entry[buckets];
            for (int i = 0; i < buckets; i++) {
                this.buckets[i] = Entry.sentinel();
            }
            this.tickMillis = tickMillis;
        }

        private boolean ordered() {
            return buckets.length == 1;
        }

        void add(Entry entry) {
            size++;
            if (ordered()) {
                Entry head = buckets[0];
                Entry at = head;
                while (at.prev != head && at.prev.atMillis() > entry.atMillis()) {
                    at = at.prev; // rare and short: only concurrent clock reads arrive out of order
                }
                entry.linkBefore(at);
            } else {
                long tick = Math.max(Math.floorDiv(entry.atMillis(), tickMillis), cursor);
                entry.linkBefore(buckets[(int) Math.floorMod(tick, (long) buckets.length)]);
            }
        }

        /** The first in due order, of an ordered stripe: what the sweep found due comes before the rest. */
        Entry first() {
            Entry found = due.next != due ? due.next : null;
            Entry queued = buckets[0].next != buckets[0] ? buckets[0].next : null;
            if (found == null || (queued != null && queued.atMillis() < found.atMillis())) {
                return queued;
            }
            return found;
        }

        /** Moves every entry due by {@code nowMillis} to {@link #due}. */
        void collect(long nowMillis) {
            if (ordered()) {
                Entry head = buckets[0];
                Entry entry;
                while ((entry = head.next) != head && entry.atMillis() <= nowMillis) {
                    entry.unlink();
                    entry.linkBefore(due);
                }
                return;
            }
            long last = Math.max(cursor, Math.floorDiv(nowMillis, tickMillis));
            int visits = cursor == Long.MIN_VALUE || last - cursor >= buckets.length
                    ? buckets.length
                    : (int) (last - cursor + 1);
            for (int i = 0; i < visits; i++) {
                Entry head = buckets[(int) Math.floorMod(last - i, (long) buckets.length)];
                Entry entry = head.next;
                while (entry != head) {
                    Entry next = entry.next;
                    if (entry.atMillis() <= nowMillis) {
                        entry.unlink();
                        entry.linkBefore(due);
                    }
                    entry = next;
                }
            }
            cursor = last;
        }
    }

    /**
     * A session's place in one of the queues: the instant it comes due and its links in a doubly-linked
     * list, so that taking it out costs the same at any size. The instant never changes (readers use it
     * without a lock); a session that must come due at another instant gets a new entry. The links are
     * guarded by the lock of the queue's stripe; an entry in no list has none.
     */
    static final class Entry {

        private final long atMillis;
        /** Null for a list's sentinel. */
        final Session session;

        private Entry prev;
        private Entry next;

        Entry(long atMillis, Session session) {
            this.atMillis = atMillis;
            this.session = session;
        }

        /** A list's head: an empty circular list links to itself. */
        static Entry sentinel() {
            Entry head = new Entry(Long.MIN_VALUE, null);
            head.prev = head;
            head.next = head;
            return head;
        }

        long atMillis() {
            return atMillis;
        }

        boolean linked() {
            return prev != null;
        }

        /** Links this entry just before {@code at}, so at a list's end when {@code at} is its sentinel. */
        void linkBefore(Entry at) {
            prev = at.prev;
            next = at;
            at.prev.next = this;
            at.prev = this;
        }

        void unlink() {
            prev.next = next;
            next.prev = prev;
            prev = null;
            next = null;
        }
    }
}
