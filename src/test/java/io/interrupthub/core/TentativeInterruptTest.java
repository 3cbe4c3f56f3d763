package io.interrupthub.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A tentative interrupt pauses a device's sessions without ending their turn; within the resume window
 * it is resumed (nothing dropped) or confirmed by a real interrupt, and when the window ends with neither
 * the configured expiry decides. Time is a hand-moved clock; the sweep ends windows.
 */
class TentativeInterruptTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-02T20:00:00Z");
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<Pause> ended = new CopyOnWriteArrayList<>();
    private InterruptManager manager = managerWith(TentativeExpiry.RESUME);

    private InterruptManager managerWith(TentativeExpiry expiry) {
        InterruptManager made = new InterruptManager(
                InterruptSettings.builder().tentativeExpiry(expiry).build(), clock);
        made.register(Interruptible.of(
                "audio_generation",
                ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> calls.add("clear_buffers")),
                ModuleAction.of(ModuleAction.PAUSE, cause -> calls.add("pause " + cause.reason())),
                ModuleAction.of(ModuleAction.RESUME, cause -> calls.add("resume"))));
        made.addListener(new InterruptListener() {
            @Override
            public void pauseEnded(Pause pause) {
                ended.add(pause);
            }
        });
        return made;
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void aTentativeInterruptHoldsTheSessionsWithoutEndingTheirTurn() throws Exception {
        Session session = manager.openSession("desk", "reply-1", null);
        List<String> heard = new CopyOnWriteArrayList<>();
        session.onPause(p -> heard.add("paused " + p.reason()));
        session.onInterrupt(cause -> heard.add("interrupted"));
        long epoch = session.epoch();

        PauseResult result = manager.pause("desk", "vad_speech_start", "edge");

        assertThat(result.alreadyPaused()).isFalse();
        assertThat(result.pause().epoch()).isEqualTo(epoch);
        assertThat(result.pause().sessionIds()).containsExactly("reply-1");
        assertThat(result.pause().resumeBy()).isEqualTo(clock.instant().plusSeconds(2));
        assertThat(session.state()).isEqualTo(SessionState.PAUSED);
        assertThat(session.isPaused()).isTrue();
        assertThat(session.isInterrupted()).isFalse();
        assertThat(manager.shouldInterrupt("desk")).isFalse();
        assertThat(manager.flagStatus("desk").epoch()).isEqualTo(epoch);
        assertThat(result.modules().get(5, TimeUnit.SECONDS))
                .extracting(ModuleResult::outcome)
                .containsExactly(ModuleOutcome.OK);
        assertThat(calls).containsExactly("pause vad_speech_start");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("paused vad_speech_start"));
        assertThat(heard).containsExactly("paused vad_speech_start");
        assertThat(manager.currentPause("desk")).contains(result.pause());
    }

    @Test
    void aResumeWithinTheWindowLetsTheSessionGoOnAndCallsTheModulesResume() {
        Session session = manager.openSession("desk", "reply-1", null);
        List<String> heard = new CopyOnWriteArrayList<>();
        session.onResume(p -> heard.add("resumed"));
        manager.pause("desk", null, null);
        clock.advance(Duration.ofMillis(700));

        Pause resumed = manager.resume("desk");

        assertThat(resumed.outcome()).isEqualTo(PauseOutcome.RESUMED);
        assertThat(resumed.duration(clock.instant())).isEqualTo(Duration.ofMillis(700));
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(session.isInterrupted()).isFalse();
        assertThat(manager.currentPause("desk")).isEmpty();
        assertThat(manager.tentativeOutcomes(PauseOutcome.RESUMED)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.contains("resume") && heard.contains("resumed"));
        assertThat(calls).doesNotContain("clear_buffers");
        assertThat(ended).containsExactly(resumed);
    }

    @Test
    void aRealInterruptWhilePausedIsAnInterruptAsEverAndSaysItFollowedThePause() {
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk", "vad", null);
        clock.advance(Duration.ofMillis(400));

        InterruptResult result = manager.interrupt("desk", "user_barge_in").join();

        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(session.isInterrupted()).isTrue();
        assertThat(result.epoch()).isEqualTo(session.epoch() + 1);
        assertThat(result.sessionsInterrupted()).isEqualTo(1);
        assertThat(result.followedPause().outcome()).isEqualTo(PauseOutcome.CONFIRMED);
        assertThat(result.followedPause().duration(clock.instant())).isEqualTo(Duration.ofMillis(400));
        assertThat(manager.history("desk", 1).get(0).followedPause()).isEqualTo(result.followedPause());
        assertThat(manager.shouldInterrupt("desk")).isTrue();
        assertThat(calls).contains("clear_buffers");
        assertThat(manager.currentPause("desk")).isEmpty();
        assertThat(manager.tentativeOutcomes(PauseOutcome.CONFIRMED)).isEqualTo(1);
    }

    @Test
    void anInterruptWithoutAPauseSaysItFollowedNone() {
        manager.openSession("desk", "reply-1", null);
        assertThat(manager.interrupt("desk", "x").join().followedPause()).isNull();
    }

    @Test
    void aWindowThatEndsUndecidedResumesByDefault() {
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk", null, null);

        clock.advance(Duration.ofMillis(1999));
        manager.sweep();
        assertThat(session.isPaused()).isTrue();
        clock.advance(Duration.ofMillis(1));
        manager.sweep();

        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(ended).extracting(Pause::outcome).containsExactly(PauseOutcome.EXPIRED_RESUMED);
        assertThat(manager.tentativeOutcomes(PauseOutcome.EXPIRED_RESUMED)).isEqualTo(1);
        assertThat(manager.history("desk", 10)).isEmpty();
    }

    @Test
    void aWindowThatEndsUndecidedBecomesAnInterruptWhenConfiguredSo() {
        manager.close();
        manager = managerWith(TentativeExpiry.INTERRUPT);
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk", "vad", "edge");

        clock.advance(Duration.ofSeconds(2));
        manager.sweep();

        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !manager.history("desk", 1).isEmpty());
        InterruptResult result = manager.history("desk", 1).get(0);
        assertThat(result.reason()).isEqualTo("tentative_expired");
        assertThat(result.source()).isEqualTo("edge");
        assertThat(result.followedPause().outcome()).isEqualTo(PauseOutcome.EXPIRED_INTERRUPTED);
        assertThat(result.followedPause().reason()).isEqualTo("vad");
        assertThat(manager.tentativeOutcomes(PauseOutcome.EXPIRED_INTERRUPTED)).isEqualTo(1);
    }

    @Test
    void aResumeWithNothingPausedIsAConflictAndChangesNothing() {
        Session session = manager.openSession("desk", "reply-1", null);

        assertThatThrownBy(() -> manager.resume("desk"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT))
                .hasMessageContaining("not paused");
        assertThatThrownBy(() -> manager.resume("never-seen")).isInstanceOf(InterruptHubException.class);
        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(ended).isEmpty();
        assertThat(manager.trackedDevices()).isEqualTo(1);
    }

    @Test
    void aResumeAfterTheWindowIsAConflictAndTheExpiryDecides() {
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk", null, null);
        clock.advance(Duration.ofMillis(2500));

        assertThatThrownBy(() -> manager.resume("desk"))
                .isInstanceOf(InterruptHubException.class)
                .hasMessageContaining("ended");

        assertThat(session.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(ended).extracting(Pause::outcome).containsExactly(PauseOutcome.EXPIRED_RESUMED);
    }

    @Test
    void aSecondTentativeInterruptExtendsNothing() {
        manager.openSession("desk", "reply-1", null);
        PauseResult first = manager.pause("desk", "vad", null);
        clock.advance(Duration.ofMillis(1500));

        PauseResult second = manager.pause("desk", "vad_again", null);

        assertThat(second.alreadyPaused()).isTrue();
        assertThat(second.pause()).isEqualTo(first.pause());
        clock.advance(Duration.ofMillis(500));
        manager.sweep();
        assertThat(ended).hasSize(1);
        assertThat(calls).containsOnlyOnce("pause vad");
    }

    @Test
    void heartbeatsKeepAPausedSessionAliveAndItCanEnd() {
        InterruptManager shortSessions = new InterruptManager(
                InterruptSettings.builder()
                        .sessionTimeout(Duration.ofSeconds(1))
                        .resumeWindow(Duration.ofSeconds(10))
                        .build(),
                clock);
        try {
            Session kept = shortSessions.openSession("desk", "kept", null);
            Session ending = shortSessions.openSession("desk", "ending", null);
            shortSessions.pause("desk");
            clock.advance(Duration.ofMillis(800));
            assertThat(shortSessions.heartbeat("kept").state()).isEqualTo(SessionState.PAUSED);
            shortSessions.endSession("ending");
            clock.advance(Duration.ofMillis(800));
            shortSessions.sweep();

            assertThat(kept.state()).isEqualTo(SessionState.PAUSED);
            assertThat(ending.state()).isEqualTo(SessionState.ENDED);
            assertThat(shortSessions.activeSessions()).isEqualTo(1);
            shortSessions.resume("desk");
            assertThat(kept.state()).isEqualTo(SessionState.ACTIVE);
            assertThat(ending.state()).isEqualTo(SessionState.ENDED);
        } finally {
            shortSessions.close();
        }
    }

    @Test
    void aSessionOpenedDuringAPauseIsBornPausedOnlyWhenItAsks() {
        manager.openSession("desk", "reply-1", null);
        manager.pause("desk");

        Session asked = manager.openSession("desk", "asked", null, true);
        Session notAsked = manager.openSession("desk", "not-asked", null, false);
        Session elsewhere = manager.openSession("other", "elsewhere", null, true);

        assertThat(asked.state()).isEqualTo(SessionState.PAUSED);
        assertThat(notAsked.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(elsewhere.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(manager.currentPause("desk").orElseThrow().sessionIds()).containsExactly("reply-1", "asked");
        manager.resume("desk");
        assertThat(asked.state()).isEqualTo(SessionState.ACTIVE);
    }

    @Test
    void aCommitWhilePausedWaitsForTheResumeThenRuns() throws Exception {
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk");

        CompletableFuture<Boolean> commit = CompletableFuture.supplyAsync(() -> session.commit("send_email"));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !commit.isDone());
        manager.resume("desk");

        assertThat(commit.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(session.commits()).extracting(Commit::action).containsExactly("send_email");
    }

    @Test
    void aCommitWhilePausedIsRefusedWhenThePauseBecomesAnInterrupt() throws Exception {
        Session session = manager.openSession("desk", "reply-1", null);
        manager.pause("desk");

        CompletableFuture<Boolean> commit = CompletableFuture.supplyAsync(() -> session.commit("send_email"));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !commit.isDone());
        InterruptResult result = manager.interrupt("desk", "user_barge_in").join();

        assertThat(commit.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(session.commits()).isEmpty();
        assertThat(result.committed()).isEmpty();
    }

    @Test
    void anUndecidedPauseRefusesACommitAfterAWholeWindow() {
        // The clock does not move, so nothing ends the window: the commit must not wait for ever.
        InterruptManager quick = new InterruptManager(
                InterruptSettings.builder()
                        .resumeWindow(Duration.ofMillis(100))
                        .sweepInterval(Duration.ofMillis(50))
                        .build(),
                clock);
        try {
            Session session = quick.openSession("desk", "reply-1", null);
            quick.pause("desk");

            assertThat(session.commit("send_email")).isFalse();
            assertThat(session.commits()).isEmpty();
            assertThat(session.isPaused()).isTrue();
        } finally {
            quick.close();
        }
    }

    @Test
    void pauseAndResumeActionsAreNeverPartOfAnInterrupt() {
        assertThat(manager.modules())
                .filteredOn(m -> m.module().equals("audio_generation"))
                .singleElement()
                .satisfies(m -> assertThat(m.actions()).containsExactly(ModuleAction.CLEAR_BUFFERS));
        assertThatThrownBy(() -> manager.register(
                        Interruptible.of("only_pause", ModuleAction.of(ModuleAction.PAUSE, cause -> {}))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no interrupt action");
        assertThatThrownBy(() -> manager.register(
                        Interruptible.of(
                                "named",
                                ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {}),
                                ModuleAction.of(ModuleAction.PAUSE, cause -> {})),
                        new ModuleSettings(true, null, List.of(ModuleAction.PAUSE))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPauseIsRefusedAsAnInterruptWouldBe() {
        InterruptManager off =
                new InterruptManager(InterruptSettings.builder().enabled(false).build(), clock);
        try {
            assertThatThrownBy(() -> off.pause("desk"))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.DISABLED));
        } finally {
            off.close();
        }
        assertThatThrownBy(() -> manager.pause("bad id!"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));
        assertThat(manager.pauses(10)).isEmpty();
    }

    @Test
    void aDeviceIsReclaimedOnlyOnceItsPauseIsDecided() {
        manager.pause("empty-device");
        clock.advance(Duration.ofSeconds(1));
        manager.sweep();
        assertThat(manager.trackedDevices()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        manager.sweep();
        manager.sweep();
        assertThat(manager.currentPause("empty-device")).isEmpty();
        assertThat(manager.trackedDevices()).isZero();
    }
}
