package io.interrupthub.core;

import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a user relies on from the session queues ({@link SessionQueue}) whatever their size: a session that
 * heartbeats expires at the first sweep at or after its last heartbeat plus the timeout, never a timeout
 * late; an interrupted session is removed after its delay, the oldest first beyond the cap; traffic never
 * grows the queues; and concurrent opens, heartbeats, ends, interrupts and sweeps lose no session and count
 * none twice. The clock is moved by hand and the sweep called directly.
 */
class SessionExpiryAtScaleTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLEANUP = Duration.ofSeconds(2);

    private final MutableClock clock = MutableClock.startingAt("2026-12-06T12:00:00Z");
    private final List<InterruptManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        managers.forEach(InterruptManager::close);
    }

    private InterruptManager manager(InterruptSettings settings) {
        InterruptManager manager = new InterruptManager(settings, clock);
        managers.add(manager);
        return manager;
    }

    /** A cap above any test's sessions, so that only the timeout and the delay remove them. */
    private InterruptManager manager() {
        return manager(settings().maxActiveSessions(10_000).build());
    }

    private static InterruptSettings.Builder settings() {
        return InterruptSettings.builder()
                .sessionTimeout(TIMEOUT)
                .cleanupDelay(CLEANUP)
                .sweepInterval(Duration.ofMillis(250));
    }

    /** The manager's queues, read through its tracker (a private field of the manager). */
    private static SessionQueue queues(InterruptManager manager) throws ReflectiveOperationException {
        Field field = InterruptManager.class.getDeclaredField("sessions");
        field.setAccessible(true);
        return ((SessionTracker) field.get(manager)).queues;
    }

    private void advance(long millis) {
        clock.advance(Duration.ofMillis(millis));
    }

    private static boolean gone(InterruptManager manager, Session session) {
        return manager.session(session.sessionId()).isEmpty();
    }

    @Test
    void aSessionExpiresAtTheFirstSweepAtItsTimeoutAndNotBefore() {
        InterruptManager manager = manager();
        Session session = manager.openSession("dev-1");

        advance(TIMEOUT.toMillis() - 1);
        manager.sweep();
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);

        advance(1);
        manager.sweep();
        assertThat(session.state()).isEqualTo(SessionState.EXPIRED);
        assertThat(gone(manager, session)).isTrue();
        assertThat(manager.sessionEvents("expired")).isEqualTo(1);
    }

    @Test
    void aHeartbeatExtendedSessionStillExpiresOnTimeBehindSessionsOpenedAfterIt() throws Exception {
        InterruptManager manager = manager();
        Session kept = manager.openSession("dev-kept");
        advance(1_000);
        manager.heartbeat(kept.sessionId()); // expires at 11 s now, not 10 s
        // Sessions opened after that heartbeat would sit ahead of it in a plain FIFO and hold it back up to a
        // whole timeout (until 19.5 s).
        List<Session> later = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            advance(500);
            later.add(manager.openSession("dev-later-" + i));
            manager.sweep();
        }
        // 11 s after the start: its first due check (at 10 s) found the heartbeat and requeued it at 11 s.
        assertThat(clock.instant()).isEqualTo(Instant.parse("2026-12-06T12:00:11Z"));
        assertThat(kept.state()).isEqualTo(SessionState.EXPIRED);
        assertThat(later).allMatch(s -> s.state() == SessionState.ACTIVE);
        assertThat(queues(manager).expiriesQueued()).isEqualTo(later.size());

        // Heartbeats several times over, the last at 14.2 s: expires at 24.2 s, at the first sweep from then.
        Session beating = manager.openSession("dev-beating"); // at 11 s
        for (int i = 0; i < 4; i++) {
            advance(800);
            manager.heartbeat(beating.sessionId());
        }
        advance(TIMEOUT.toMillis() - 1);
        manager.sweep();
        assertThat(beating.state()).isEqualTo(SessionState.ACTIVE);
        advance(1);
        manager.sweep();
        assertThat(beating.state()).isEqualTo(SessionState.EXPIRED);
    }

    /**
     * A model check: sessions heartbeat at random while the clock moves in random steps (below a tick, about
     * a sweep interval, beyond the whole timeout); after every sweep exactly the sessions whose last heartbeat
     * plus the timeout has come are expired.
     */
    @Test
    void afterEverySweepExactlyTheSessionsSilentForTheTimeoutAreExpired() {
        InterruptManager manager = manager();
        Random random = new Random(23);
        Map<Session, Long> lastHeard = new HashMap<>();
        long start = clock.millis();
        for (int step = 0; step < 4_000; step++) {
            int action = random.nextInt(10);
            if (action < 3 || lastHeard.isEmpty()) {
                lastHeard.put(manager.openSession("dev-" + random.nextInt(50)), clock.millis());
            } else if (action < 8) {
                List<Session> open = lastHeard.keySet().stream()
                        .filter(s -> s.state().isOpen())
                        .toList();
                if (!open.isEmpty()) {
                    Session session = open.get(random.nextInt(open.size()));
                    manager.heartbeat(session.sessionId());
                    lastHeard.put(session, clock.millis());
                }
            }
            long stepMillis = switch (random.nextInt(20)) {
                case 0 -> TIMEOUT.toMillis() + random.nextInt(5_000); // a stalled sweeper
                case 1, 2, 3, 4, 5 -> random.nextInt(5);
                default -> random.nextInt(600);
            };
            advance(stepMillis);
            manager.sweep();
            long now = clock.millis();
            for (Map.Entry<Session, Long> heard : lastHeard.entrySet()) {
                boolean due = heard.getValue() + TIMEOUT.toMillis() <= now;
                assertThat(heard.getKey().state())
                        .as("step %d, %d ms in: last heard %d ms in", step, now - start, heard.getValue() - start)
                        .isEqualTo(due ? SessionState.EXPIRED : SessionState.ACTIVE);
            }
            lastHeard.keySet().removeIf(s -> s.state() == SessionState.EXPIRED);
        }
        assertThat(manager.sessionEvents("expired") + manager.activeSessions())
                .isEqualTo(manager.sessionEvents("opened"));
    }

    @Test
    void anInterruptedSessionIsRemovedAfterItsDelayAndHiddenFromThen() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession("dev-1");
        advance(3_000);
        manager.interruptAndWait("dev-1", "barge_in");
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isEqualTo(1);

        advance(CLEANUP.toMillis() - 1);
        manager.sweep();
        assertThat(gone(manager, session)).isFalse();
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isEqualTo(1);

        advance(1);
        assertThat(gone(manager, session))
                .as("hidden at its removal time, before a sweep")
                .isTrue();
        manager.sweep();
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isZero();
        assertThat(queues(manager).removalsQueued()).isZero();
        assertThat(queues(manager).expiriesQueued()).isZero();
        assertThatThrownBy(() -> manager.heartbeat(session.sessionId())).isInstanceOf(InterruptHubException.class);
    }

    @Test
    void beyondTheCapTheOldestInterruptedSessionsGoFirstEvenWithinOneMillisecond() throws Exception {
        InterruptManager manager = manager(settings().maxActiveSessions(3).build());
        List<Session> interrupted = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            interrupted.add(manager.openSession("dev-" + i)); // the clock does not move: equal removal times
            manager.interruptAndWait("dev-" + i, "barge_in");
        }
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isEqualTo(3);
        assertThat(queues(manager).removalsQueued()).isEqualTo(3);
        for (int i = 0; i < 8; i++) {
            assertThat(gone(manager, interrupted.get(i))).as("session %d", i).isEqualTo(i < 5);
        }
    }

    @Test
    void openingAndEndingSessionsNeverGrowsTheQueues() throws Exception {
        InterruptManager manager = manager();
        SessionQueue queues = queues(manager);
        Session resident = manager.openSession("dev-resident");
        for (int i = 0; i < 100_000; i++) {
            Session session = manager.openSession("dev-" + (i % 100));
            if (i % 3 == 0) {
                manager.heartbeat(session.sessionId());
            }
            manager.endSession(session.sessionId());
            if (i % 1_000 == 0) {
                advance(7); // the sweep goes on meanwhile, and moves its ticks
                manager.sweep();
                assertThat(queues.expiriesQueued()).isEqualTo(1);
                assertThat(queues.removalsQueued()).isZero();
            }
        }
        assertThat(queues.expiriesQueued()).isEqualTo(1);
        manager.endSession(resident.sessionId());
        assertThat(queues.expiriesQueued()).isZero();
        assertThat(manager.activeSessions()).isZero();
        assertThat(manager.sessionEvents("ended")).isEqualTo(100_001);
    }

    @Test
    void interruptingSessionsNeverGrowsTheQueuesBeyondTheInterruptedOnesWaitingForRemoval() throws Exception {
        InterruptManager manager = manager();
        SessionQueue queues = queues(manager);
        for (int i = 0; i < 30_000; i++) {
            String device = "dev-" + (i % 50);
            Session session = manager.openSession(device);
            manager.interruptAndWait(device, "barge_in");
            if (i % 2 == 0) {
                manager.endSession(session.sessionId()); // ended at once: leaves the removals at once
            }
            if (i % 100 == 0) {
                advance(50); // the others wait out their delay: 2 s is 40 steps of 100 interrupts
                manager.sweep();
                // At most those interrupted in the last 2 s and not ended: 41 steps of 50.
                assertThat(queues.removalsQueued()).isLessThanOrEqualTo(41 * 50);
                assertThat(queues.removalsQueued())
                        .isEqualTo(manager.statistics().sessions().interruptedPendingRemoval());
            }
        }
        assertThat(queues.expiriesQueued()).isZero();
        advance(CLEANUP.toMillis());
        manager.sweep();
        assertThat(queues.removalsQueued()).isZero();
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isZero();
        assertThat(manager.trackedDevices()).isLessThanOrEqualTo(50);
    }

    /**
     * Many threads open, heartbeat, end and interrupt sessions on a few shared devices (so the same devices
     * too) while another sweeps as the clock moves, so sessions expire and are removed under them. At the end
     * every session opened was ended, expired or interrupted exactly once, and nothing is left in the queues.
     */
    @Test
    void concurrentOpensEndsHeartbeatsInterruptsAndSweepsLoseNoSessionAndCountNoneTwice() throws Exception {
        InterruptManager manager = manager(settings().maxActiveSessions(100_000).build());
        SessionQueue queues = queues(manager);
        int workers = 8;
        int opsPerWorker = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong opened = new AtomicLong();
        Map<String, Session> everyone = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        try {
            Future<?> sweeper = pool.submit(() -> {
                go.await();
                while (running.get()) {
                    advance(ThreadLocalRandom.current().nextInt(40)); // a timeout passes every few hundred sweeps
                    manager.sweep();
                }
                return null;
            });
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                work.add(pool.submit(() -> {
                    go.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    List<Session> mine = new ArrayList<>();
                    for (int op = 0; op < opsPerWorker; op++) {
                        String device = "dev-" + random.nextInt(16);
                        int action = random.nextInt(10);
                        try {
                            if (action < 4 || mine.isEmpty()) {
                                Session session = manager.openSession(device);
                                opened.incrementAndGet();
                                everyone.put(session.sessionId(), session);
                                mine.add(session);
                            } else if (action < 6) {
                                manager.heartbeat(
                                        mine.get(random.nextInt(mine.size())).sessionId());
                            } else if (action < 8) {
                                manager.endSession(
                                        mine.remove(random.nextInt(mine.size())).sessionId());
                            } else if (action == 8) {
                                manager.interrupt(device, "barge_in").get(10, TimeUnit.SECONDS);
                            } else {
                                mine.removeIf(s -> !s.state().isOpen() && s.state() != SessionState.INTERRUPTED);
                            }
                        } catch (InterruptHubException gone) {
                            assertThat(gone.kind()).isEqualTo(InterruptHubException.Kind.NOT_FOUND);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : work) {
                f.get(120, TimeUnit.SECONDS);
            }
            running.set(false);
            sweeper.get(30, TimeUnit.SECONDS);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
        // Every session still open expires, every interrupted one is removed.
        advance(TIMEOUT.toMillis() + CLEANUP.toMillis());
        manager.sweep();

        StatisticsSnapshot.Sessions stats = manager.statistics().sessions();
        assertThat(stats.active()).isZero();
        assertThat(manager.activeSessions()).isZero();
        assertThat(stats.interruptedPendingRemoval()).isZero();
        assertThat(queues.expiriesQueued()).isZero();
        assertThat(queues.removalsQueued()).isZero();
        assertThat(manager.openSessions()).isEmpty();
        assertThat(stats.opened()).isEqualTo(opened.get()).isEqualTo(everyone.size());
        assertThat(stats.ended() + stats.expired() + stats.interrupted())
                .as("each opened session ended, expired or was interrupted exactly once")
                .isEqualTo(stats.opened());
        long ended = everyone.values().stream()
                .filter(s -> s.state() == SessionState.ENDED)
                .count();
        long expired = everyone.values().stream()
                .filter(s -> s.state() == SessionState.EXPIRED)
                .count();
        long interrupted = everyone.values().stream()
                .filter(s -> s.state() == SessionState.INTERRUPTED)
                .count();
        assertThat(ended).isEqualTo(stats.ended());
        assertThat(expired).isEqualTo(stats.expired());
        assertThat(interrupted).isEqualTo(stats.interrupted());
        assertThat(stats.expired())
                .as("the clock moved past the timeout during the run")
                .isPositive();
        assertThat(stats.interrupted()).isPositive();
        assertThat(everyone.values()).allMatch(s -> gone(manager, s));
    }
}
