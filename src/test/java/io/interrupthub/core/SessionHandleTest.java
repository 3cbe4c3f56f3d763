package io.interrupthub.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The {@link Session} handle a streaming loop holds, and the session lifecycle around it. */
class SessionHandleTest {

    private static final String DEVICE = "kitchen-speaker-7";
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(300);
    private static final Duration QUIET = Duration.ofMillis(200);

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private final List<InterruptManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        managers.forEach(InterruptManager::close);
    }

    private InterruptManager manager() {
        return manager(InterruptSettings.defaults());
    }

    private InterruptManager manager(InterruptSettings settings) {
        InterruptManager manager = new InterruptManager(settings, clock);
        managers.add(manager);
        return manager;
    }

    private static InterruptSettings withMaxCallbacks(int maxCallbacks) {
        return InterruptSettings.builder().maxCallbacksPerSession(maxCallbacks).build();
    }

    private static InterruptHubException.Kind kindOf(Runnable call) {
        try {
            call.run();
        } catch (InterruptHubException e) {
            return e.kind();
        }
        throw new AssertionError("expected an InterruptHubException");
    }

    private static InterruptResult await5s(InterruptFuture future) throws Exception {
        return future.get(5, TimeUnit.SECONDS);
    }

    // ---- the interrupted signal ------------------------------------------------------------------

    @Test
    void isInterruptedFalseThenTrue() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        assertThat(session.isInterrupted()).isFalse();
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(session.interruptCause()).isEmpty();

        InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");

        assertThat(session.isInterrupted()).isTrue();
        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        await5s(future);
        // It stays interrupted: the flag expiring or being reset does not undo it.
        manager.resetFlag(DEVICE);
        clock.advance(Duration.ofSeconds(10));
        assertThat(session.isInterrupted()).isTrue();
    }

    @Test
    void interruptCauseHasReasonEpochAndSource() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        Instant at = clock.instant();

        InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in", "voice-gateway");
        await5s(future);

        InterruptCause cause = session.interruptCause().orElseThrow();
        assertThat(cause.reason()).isEqualTo("user_barge_in");
        assertThat(cause.source()).isEqualTo("voice-gateway");
        assertThat(cause.epoch()).isEqualTo(future.epoch());
        assertThat(cause.epoch()).isGreaterThan(session.epoch());
        assertThat(cause.hardwareId()).isEqualTo(DEVICE);
        assertThat(cause.at()).isEqualTo(at);
    }

    @Test
    void callbackReceivesTheCause() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        AtomicReference<InterruptCause> seen = new AtomicReference<>();
        session.onInterrupt(seen::set);

        InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in", "voice-gateway");
        await5s(future);

        await().atMost(Duration.ofSeconds(5)).until(() -> seen.get() != null);
        assertThat(seen.get()).isEqualTo(session.interruptCause().orElseThrow());
        assertThat(seen.get().epoch()).isEqualTo(future.epoch());
    }

    // ---- callbacks -------------------------------------------------------------------------------

    @Test
    void callbacksRunOnce() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        session.onInterrupt(first::incrementAndGet);
        session.onInterrupt(cause -> second.incrementAndGet());

        await5s(manager.interrupt(DEVICE, "one"));
        await().atMost(Duration.ofSeconds(5)).until(() -> first.get() == 1 && second.get() == 1);
        await5s(manager.interrupt(DEVICE, "two"));
        await5s(manager.interrupt(DEVICE, "three"));

        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> first.get() == 1 && second.get() == 1);
    }

    @Test
    void callbacksRunInRegistrationOrder() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        List<String> order = new CopyOnWriteArrayList<>();
        session.onInterrupt(() -> order.add("a"));
        session.onInterrupt(() -> order.add("b"));
        session.onInterrupt(() -> order.add("c"));

        await5s(manager.interrupt(DEVICE, "x"));

        await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 3);
        assertThat(order).containsExactly("a", "b", "c");
    }

    @Test
    void throwingCallbackDoesNotStopOtherCallbacks() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        AtomicInteger after = new AtomicInteger();
        AtomicInteger thrower = new AtomicInteger();
        session.onInterrupt(() -> {
            thrower.incrementAndGet();
            throw new IllegalStateException("callback broke");
        });
        session.onInterrupt(after::incrementAndGet);

        InterruptResult result = await5s(manager.interrupt(DEVICE, "x"));

        await().atMost(Duration.ofSeconds(5)).until(() -> after.get() == 1);
        assertThat(thrower).hasValue(1);
        assertThat(result.success()).isTrue();
    }

    @Test
    void throwingCallbackOfOneSessionDoesNotStopCallbacksOfAnother() throws Exception {
        InterruptManager manager = manager();
        Session a = manager.openSession(DEVICE);
        Session b = manager.openSession(DEVICE);
        AtomicInteger bFired = new AtomicInteger();
        a.onInterrupt(() -> {
            throw new IllegalStateException("callback broke");
        });
        b.onInterrupt(bFired::incrementAndGet);

        await5s(manager.interrupt(DEVICE, "x"));

        await().atMost(Duration.ofSeconds(5)).until(() -> bFired.get() == 1);
    }

    @Test
    void onInterruptAfterInterruptRunsImmediatelyOnCallingThread() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        InterruptFuture future = manager.interrupt(DEVICE, "user_barge_in");
        await5s(future);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<InterruptCause> seen = new AtomicReference<>();

        session.onInterrupt(cause -> {
            ranOn.set(Thread.currentThread());
            seen.set(cause);
        });

        // Already done when onInterrupt returns: no waiting.
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(seen.get()).isNotNull();
        assertThat(seen.get().epoch()).isEqualTo(future.epoch());
    }

    @Test
    void throwingCallbackRegisteredAfterInterruptDoesNotThrowToCaller() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        await5s(manager.interrupt(DEVICE, "user_barge_in"));

        assertThatCode(() -> session.onInterrupt(() -> {
                    throw new IllegalStateException("callback broke");
                }))
                .doesNotThrowAnyException();
    }

    @Test
    void moreThanMaxCallbacksPerSessionIsRefused() throws Exception {
        InterruptManager manager = manager(withMaxCallbacks(3));
        Session session = manager.openSession(DEVICE);
        AtomicInteger fired = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            session.onInterrupt(fired::incrementAndGet);
        }

        assertThatThrownBy(() -> session.onInterrupt(fired::incrementAndGet))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3");

        await5s(manager.interrupt(DEVICE, "x"));
        await().atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 3);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 3);
    }

    @Test
    void defaultCallbackCapIs64() {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        for (int i = 0; i < 64; i++) {
            session.onInterrupt(() -> {});
        }
        assertThatThrownBy(() -> session.onInterrupt(() -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void callbackCapDoesNotApplyOnceInterrupted() throws Exception {
        InterruptManager manager = manager(withMaxCallbacks(1));
        Session session = manager.openSession(DEVICE);
        session.onInterrupt(() -> {});
        await5s(manager.interrupt(DEVICE, "x"));
        AtomicInteger immediate = new AtomicInteger();

        session.onInterrupt(immediate::incrementAndGet);
        session.onInterrupt(immediate::incrementAndGet);

        assertThat(immediate).hasValue(2);
    }

    @Test
    void onInterruptAfterEndNeverRuns() {
        // An ended session was never interrupted: a callback registered on it must not fire.
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        manager.endSession(session.sessionId());
        AtomicReference<InterruptCause> seen = new AtomicReference<>();
        AtomicInteger fired = new AtomicInteger();

        assertThatCode(() -> session.onInterrupt(cause -> {
                    fired.incrementAndGet();
                    seen.set(cause);
                }))
                .doesNotThrowAnyException();

        assertThat(session.isInterrupted()).isFalse();
        assertThat(fired)
                .as("callback on an ENDED, never-interrupted session ran with cause %s", seen.get())
                .hasValue(0);
    }

    @Test
    void throwingOnInterruptAfterExpiryDoesNotThrowToCaller() {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        clock.advance(SESSION_TIMEOUT);
        manager.sweep();
        assertThat(session.state()).isEqualTo(SessionState.EXPIRED);

        assertThatCode(() -> session.onInterrupt(() -> {
                    throw new IllegalStateException("callback broke");
                }))
                .doesNotThrowAnyException();
    }

    // ---- SessionInfo -----------------------------------------------------------------------------

    @Test
    void sessionInfoFieldsOfActiveSession() {
        InterruptManager manager = manager();
        Instant opened = clock.instant();
        Session session = manager.openSession(DEVICE, "stream-1", null);

        SessionInfo info = session.info();

        assertThat(info.sessionId()).isEqualTo("stream-1");
        assertThat(info.hardwareId()).isEqualTo(DEVICE);
        assertThat(info.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(info.epoch()).isEqualTo(manager.flagStatus(DEVICE).epoch());
        assertThat(info.createdAt()).isEqualTo(opened);
        assertThat(info.lastHeartbeatAt()).isEqualTo(opened);
        assertThat(info.expiresAt()).isEqualTo(opened.plus(SESSION_TIMEOUT));
        assertThat(info.interruptedAt()).isNull();
    }

    @Test
    void sessionInfoAfterHeartbeat() {
        InterruptManager manager = manager();
        Instant opened = clock.instant();
        Session session = manager.openSession(DEVICE);
        clock.advance(Duration.ofSeconds(42));
        Instant beat = clock.instant();

        SessionInfo fromHeartbeat = manager.heartbeat(session.sessionId());
        SessionInfo info = session.info();

        for (SessionInfo i : List.of(fromHeartbeat, info)) {
            assertThat(i.createdAt()).isEqualTo(opened);
            assertThat(i.lastHeartbeatAt()).isEqualTo(beat);
            assertThat(i.expiresAt()).isEqualTo(beat.plus(SESSION_TIMEOUT));
            assertThat(i.state()).isEqualTo(SessionState.ACTIVE);
        }
    }

    @Test
    void sessionInfoInterruptedAtSetOnceInterrupted() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        clock.advance(Duration.ofSeconds(3));
        Instant interruptedAt = clock.instant();

        await5s(manager.interrupt(DEVICE, "user_barge_in"));
        clock.advance(Duration.ofMillis(500));
        SessionInfo info = session.info();

        assertThat(info.state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(info.interruptedAt()).isEqualTo(interruptedAt);
        assertThat(manager.session(session.sessionId()).orElseThrow().info().interruptedAt())
                .isEqualTo(interruptedAt);

        // A later interrupt does not move it.
        await5s(manager.interrupt(DEVICE, "again"));
        assertThat(session.info().interruptedAt()).isEqualTo(interruptedAt);
    }

    @Test
    void sessionsListIsNewestFirst() {
        InterruptManager manager = manager();
        Session first = manager.openSession(DEVICE, "s-1", null);
        clock.advance(Duration.ofSeconds(1));
        Session second = manager.openSession(DEVICE, "s-2", null);
        clock.advance(Duration.ofSeconds(1));
        manager.openSession("living-room-2", "s-3", null);

        assertThat(manager.sessions(DEVICE, 100))
                .extracting(SessionInfo::sessionId)
                .containsExactly(second.sessionId(), first.sessionId());
        assertThat(manager.sessions(null, 100))
                .extracting(SessionInfo::sessionId)
                .containsExactly("s-3", "s-2", "s-1");
        assertThat(manager.sessions(null, 2)).extracting(SessionInfo::sessionId).containsExactly("s-3", "s-2");
    }

    @Test
    void generatedSessionIdsAreUniqueUuids() {
        InterruptManager manager = manager();
        Session a = manager.openSession(DEVICE);
        Session b = manager.openSession(DEVICE);

        assertThat(a.sessionId()).isNotEqualTo(b.sessionId());
        assertThat(java.util.UUID.fromString(a.sessionId()).toString()).isEqualTo(a.sessionId());
        assertThat(java.util.UUID.fromString(a.sessionId()).version())
                .as("random UUID")
                .isEqualTo(4);
        assertThat(java.util.UUID.fromString(a.sessionId()).variant())
                .as("IETF variant")
                .isEqualTo(2);
        assertThat(manager.session(a.sessionId())).contains(a);
    }

    // ---- ending ----------------------------------------------------------------------------------

    @Test
    void endSessionMarksEndedAndRemovesIt() {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        List<SessionInfo> events = new CopyOnWriteArrayList<>();
        manager.addListener(new InterruptListener() {
            @Override
            public void sessionChanged(SessionInfo info) {
                events.add(info);
            }
        });

        manager.endSession(session.sessionId());

        assertThat(session.state()).isEqualTo(SessionState.ENDED);
        assertThat(session.isInterrupted()).isFalse();
        assertThat(manager.session(session.sessionId())).isEmpty();
        assertThat(manager.sessions(null, 100)).isEmpty();
        assertThat(manager.activeSessions()).isZero();
        assertThat(manager.statistics().sessions().ended()).isEqualTo(1);
        assertThat(events).extracting(SessionInfo::state).containsExactly(SessionState.ENDED);
        assertThat(kindOf(() -> manager.endSession(session.sessionId())))
                .isEqualTo(InterruptHubException.Kind.NOT_FOUND);
        assertThat(kindOf(() -> manager.heartbeat(session.sessionId())))
                .isEqualTo(InterruptHubException.Kind.NOT_FOUND);
    }

    @Test
    void endedSessionIsNotInterruptedLater() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        manager.endSession(session.sessionId());

        InterruptResult result = await5s(manager.interrupt(DEVICE, "x"));

        assertThat(result.sessionsInterrupted()).isZero();
        assertThat(session.state()).isEqualTo(SessionState.ENDED);
        assertThat(session.isInterrupted()).isFalse();
    }

    @Test
    void endSessionOfUnknownIdIsNotFound() {
        InterruptManager manager = manager();
        assertThatThrownBy(() -> manager.endSession("no-such-session"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.NOT_FOUND));
        assertThat(kindOf(() -> manager.endSession(null))).isEqualTo(InterruptHubException.Kind.NOT_FOUND);
        assertThat(manager.session("no-such-session")).isEmpty();
        assertThat(manager.session(null)).isEmpty();
    }

    @Test
    void endingInterruptedSessionRemovesItEarly() throws Exception {
        InterruptManager manager = manager();
        Session session = manager.openSession(DEVICE);
        await5s(manager.interrupt(DEVICE, "x"));
        assertThat(manager.session(session.sessionId())).isPresent();

        manager.endSession(session.sessionId());

        assertThat(manager.session(session.sessionId())).isEmpty();
        assertThat(session.isInterrupted()).isTrue();
        assertThat(manager.statistics().sessions().interruptedPendingRemoval()).isZero();
    }

    @Test
    void duplicateSessionIdIsConflict() {
        InterruptManager manager = manager();
        Session first = manager.openSession(DEVICE, "stream-1", null);

        assertThatThrownBy(() -> manager.openSession(DEVICE, "stream-1", null))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));
        // Also across devices: session ids are global.
        assertThat(kindOf(() -> manager.openSession("living-room-2", "stream-1", null)))
                .isEqualTo(InterruptHubException.Kind.CONFLICT);

        assertThat(manager.session("stream-1")).contains(first);
        assertThat(first.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(manager.activeSessions()).isEqualTo(1);
    }

    @Test
    void endedSessionIdCanBeReused() {
        InterruptManager manager = manager();
        Session first = manager.openSession(DEVICE, "stream-1", null);
        manager.endSession("stream-1");

        Session again = manager.openSession(DEVICE, "stream-1", null);

        assertThat(again).isNotSameAs(first);
        assertThat(again.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(manager.session("stream-1")).contains(again);
    }
}
