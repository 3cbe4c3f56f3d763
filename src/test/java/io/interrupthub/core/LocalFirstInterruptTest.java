package io.interrupthub.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The barge-in path never waits on the cluster: an interrupt stops the device's sessions here, fires their
 * handles, sets the flag and tells the listeners before the link is asked anything, and no link call is ever made
 * while a device's lock is held. The cluster's number comes afterwards and fences the device to it; a commit the
 * cluster cannot order is refused as unavailable, never as interrupted.
 */
class LocalFirstInterruptTest {

    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults()).start();
    private final ProbingLink link = new ProbingLink();

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void theSessionsStopTheFlagIsSetAndListenersHearBeforeTheClusterIsAsked() {
        List<String> heard = new CopyOnWriteArrayList<>();
        manager.addListener(new InterruptListener() {
            @Override
            public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
                heard.add(cause.hardwareId());
            }
        });
        manager.attach(link);
        Session session = manager.openSession("kitchen");
        AtomicBoolean stoppedFirst = new AtomicBoolean();
        link.onAnnounce =
                hw -> stoppedFirst.set(session.isInterrupted() && manager.shouldInterrupt(hw) && heard.contains(hw));

        manager.interrupt("kitchen", "barge_in").join();

        assertThat(link.announced).containsExactly("kitchen");
        assertThat(stoppedFirst)
                .as("stopped, flagged and heard before the announcement")
                .isTrue();
        assertThat(link.askedUnderALock).isEmpty();
    }

    @Test
    void anInterruptReturnsAtOnceWhileTheClusterIsSlowAndItsResultWaitsForTheAnnouncement() throws Exception {
        CompletableFuture<ClusterLink.Announcement> slow = new CompletableFuture<>();
        link.answer = (hw, local) -> slow;
        manager.attach(link);
        Session session = manager.openSession("kitchen");

        InterruptFuture interrupt = manager.interrupt("kitchen", "barge_in");

        assertThat(session.state()).isEqualTo(SessionState.INTERRUPTED);
        assertThat(manager.shouldInterrupt("kitchen")).isTrue();
        assertThatThrownBy(() -> interrupt.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        slow.complete(ClusterLink.Announcement.unheard(interrupt.epoch(), List.of()));
        assertThat(interrupt.get(5, TimeUnit.SECONDS).epoch()).isEqualTo(interrupt.epoch());
    }

    @Test
    void theClustersHigherNumberFencesTheDeviceAndTheSessionsOpenedSinceTheInterrupt() {
        CompletableFuture<Long> numbered = new CompletableFuture<>();
        link.answer = (hw, local) -> numbered.thenApply(cluster -> {
            manager.fence(hw, local, cluster); // as the cluster link does, before it answers
            return new ClusterLink.Announcement(
                    cluster, ClusterLink.Announcement.NO_PEERS, null, null, false, null, true);
        });
        manager.attach(link);
        manager.openSession("kitchen");

        InterruptFuture interrupt = manager.interrupt("kitchen", "barge_in");
        Session nextTurn = manager.openSession("kitchen");
        assertThat(nextTurn.epoch()).isEqualTo(interrupt.epoch());
        numbered.complete(interrupt.epoch() + 5);

        InterruptResult result = interrupt.join();
        assertThat(result.epoch()).as("the result carries the cluster's number").isEqualTo(interrupt.epoch() + 5);
        assertThat(nextTurn.epoch()).isEqualTo(result.epoch());
        assertThat(nextTurn.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(manager.flagStatus("kitchen").epoch()).isEqualTo(result.epoch());
        // The next turn's commit is checked against the cluster's number: it is not "interrupted".
        link.clusterEpoch = OptionalLong.of(result.epoch());
        assertThat(manager.commit(nextTurn.sessionId(), "send_email").action()).isEqualTo("send_email");
    }

    @Test
    void aCommitTheClusterCannotOrderIsUnavailableNeverInterrupted() {
        manager.attach(link);
        Session session = manager.openSession("kitchen");
        link.clusterEpoch = OptionalLong.empty();

        assertThatThrownBy(() -> manager.commit(session.sessionId(), "send_email"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.UNAVAILABLE));
        assertThat(session.commits()).isEmpty();
        assertThat(manager.commits("refused")).isZero();

        link.localOrder = true; // interrupt.cluster.commit-ordering=local
        assertThat(manager.commit(session.sessionId(), "send_email").action()).isEqualTo("send_email");
        assertThat(link.askedUnderALock).isEmpty();
    }

    @Test
    void aCommitAfterAnInterruptNumberedElsewhereIsRefusedEvenBeforeItsSignalArrives() {
        manager.attach(link);
        Session session = manager.openSession("kitchen");
        link.clusterEpoch = OptionalLong.of(session.epoch() + 1);

        assertThatThrownBy(() -> manager.commit(session.sessionId(), "send_email"))
                .isInstanceOfSatisfying(InterruptHubException.class, e -> {
                    assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT);
                    assertThat(e.getMessage()).contains("numbered interrupt " + (session.epoch() + 1));
                });
        assertThat(manager.commits("refused")).isEqualTo(1);
    }

    @Test
    void pausesResumesAndAdmissionsAskTheClusterOutsideEveryLock() {
        manager.attach(link);
        Session session = manager.openSession("kitchen");
        manager.pause("kitchen", "vad", null);
        assertThat(session.state()).isEqualTo(SessionState.PAUSED);
        manager.resume("kitchen");
        manager.interrupt("kitchen", "barge_in").join();

        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> link.calls.size() >= 4);
        assertThat(link.calls).contains("admit", "openPause", "decidePause", "announce");
        assertThat(link.askedUnderALock).isEmpty();
    }

    /**
     * A link that records what it is asked and checks, for each call, that no device lock is held: another thread
     * must be able to lock the device at once (a listing of its sessions takes that lock).
     */
    private final class ProbingLink implements ClusterLink {

        interface Answer {
            CompletableFuture<Announcement> of(String hardwareId, long localEpoch);
        }

        final List<String> announced = new CopyOnWriteArrayList<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> askedUnderALock = new CopyOnWriteArrayList<>();
        volatile java.util.function.Consumer<String> onAnnounce = hw -> {};
        volatile Answer answer =
                (hw, local) -> CompletableFuture.completedFuture(Announcement.unheard(local, List.of()));
        volatile OptionalLong clusterEpoch = OptionalLong.of(0);
        volatile boolean localOrder;

        private void probe(String call, String hardwareId) {
            calls.add(call);
            try {
                CompletableFuture.runAsync(() -> manager.sessions(hardwareId, 1))
                        .get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                askedUnderALock.add(call);
            }
        }

        @Override
        public CompletableFuture<Announcement> announce(
                String hardwareId, long floor, long localEpoch, String reason, String source, Instant at) {
            probe("announce", hardwareId);
            announced.add(hardwareId);
            onAnnounce.accept(hardwareId);
            return answer.of(hardwareId, localEpoch);
        }

        @Override
        public Admission admit(String sessionId, String hardwareId, long localEpoch) {
            probe("admit", hardwareId);
            return Admission.UNKNOWN_EPOCH;
        }

        @Override
        public CompletableFuture<OptionalLong> commitEpoch(String hardwareId) {
            probe("commitEpoch", hardwareId);
            return CompletableFuture.completedFuture(clusterEpoch);
        }

        @Override
        public boolean commitsNeedTheCluster() {
            return !localOrder;
        }

        @Override
        public String newPauseId() {
            return "p-" + calls.size();
        }

        @Override
        public CompletableFuture<ClusterPause> openPause(
                String pauseId,
                String hardwareId,
                long localEpoch,
                String reason,
                String source,
                Instant pausedAt,
                Instant resumeBy,
                java.util.function.BooleanSupplier undecided) {
            probe("openPause", hardwareId);
            return CompletableFuture.completedFuture(
                    new ClusterPause(hardwareId, pauseId, localEpoch, reason, source, pausedAt, resumeBy, true));
        }

        @Override
        public CompletableFuture<PauseVerdict> decidePause(String hardwareId, String pauseId, PauseOutcome outcome) {
            probe("decidePause", hardwareId);
            return CompletableFuture.completedFuture(PauseVerdict.WON);
        }

        @Override
        public List<SessionInfo> remoteSessions(String hardwareId, int limit) {
            return new ArrayList<>();
        }
    }
}
