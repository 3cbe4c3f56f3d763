package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The point of no return: a side effect of a turn commits only while no interrupt has reached its session,
 * and an interrupt lists what was committed before it. For every commit and interrupt of a device exactly
 * one of the two happened first.
 */
class CommitPointOfNoReturnTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-02T15:00:00Z");
    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults(), clock);

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void aCommitBeforeTheInterruptMayRunAndTheInterruptListsIt() {
        Session session = manager.openSession("desk", "reply-1", null);
        List<String> sent = new ArrayList<>();

        assertThat(session.commit("send_email", () -> sent.add("email"))).isTrue();
        clock.advance(Duration.ofMillis(5));
        InterruptResult result = manager.interrupt("desk", "user_barge_in").join();

        Commit expected = new Commit(
                "reply-1", "send_email", session.epoch(), clock.instant().minusMillis(5));
        assertThat(sent).containsExactly("email");
        assertThat(result.committed()).containsExactly(expected);
        assertThat(manager.history("desk", 1).get(0).committed()).containsExactly(expected);
        assertThat(session.commits()).containsExactly(expected);
        assertThat(manager.commits("committed")).isEqualTo(1);
    }

    @Test
    void aCommitAfterTheInterruptIsRefusedItsSideEffectNeverRunsAndNothingIsRecorded() {
        Session session = manager.openSession("desk", "reply-2", null);
        manager.interrupt("desk", "user_barge_in").join();
        List<String> sent = new ArrayList<>();

        assertThat(session.commit("end_call", () -> sent.add("hung up"))).isFalse();
        assertThatThrownBy(() -> manager.commit("reply-2", "end_call"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.CONFLICT));

        assertThat(sent).isEmpty();
        assertThat(session.commits()).isEmpty();
        assertThat(manager.commits("refused")).isEqualTo(2);
        assertThat(manager.commits("committed")).isZero();
    }

    @Test
    void anInterruptHeldBackByANonInterruptibleSectionStillEndsTheTurnForCommits() {
        Session session = manager.openSession("desk", "reply-3", null);
        try (Session.Section ignored = session.nonInterruptible()) {
            manager.interrupt("desk", "user_barge_in").join();
            assertThat(session.isInterrupted())
                    .as("the section holds the signal back")
                    .isFalse();

            assertThat(session.commit("book_table")).as("but the turn is over").isFalse();
        }
    }

    @Test
    void committingTheSameActionAgainAnswersTheSameCommit() {
        Session session = manager.openSession("desk", "reply-4", null);
        Commit first = manager.commit("reply-4", "send_email");
        clock.advance(Duration.ofSeconds(1));

        Commit again = manager.commit("reply-4", "send_email");

        assertThat(again).isEqualTo(first);
        assertThat(session.commits()).containsExactly(first);
        assertThat(manager.commits("committed")).isEqualTo(1);
    }

    @Test
    void malformedActionNamesAreRefusedAndChangeNothing() {
        Session session = manager.openSession("desk", "reply-5", null);

        for (String bad : new String[] {null, "", "has space", "-leading-dash", "x".repeat(65), "naïve"}) {
            assertThatThrownBy(() -> manager.commit("reply-5", bad))
                    .as("action %s", bad)
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));
        }
        assertThat(manager.commit("reply-5", "a".repeat(64)).action()).hasSize(64);
        assertThat(session.commits()).hasSize(1);
    }

    @Test
    void commitsOnEndedOrUnknownSessionsAreNotFound() {
        Session session = manager.openSession("desk", "reply-6", null);
        manager.endSession("reply-6");

        for (String id : new String[] {"reply-6", "never-opened"}) {
            assertThatThrownBy(() -> manager.commit(id, "send_email"))
                    .isInstanceOfSatisfying(
                            InterruptHubException.class,
                            e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.NOT_FOUND));
        }
        assertThat(session.commit("send_email")).isFalse();
        assertThat(session.commits()).isEmpty();
    }

    @Test
    void aSessionHoldsABoundedNumberOfCommits() {
        Session session = manager.openSession("desk", "reply-7", null);
        for (int i = 0; i < SessionTracker.MAX_COMMITS_PER_SESSION; i++) {
            manager.commit("reply-7", "step_" + i);
        }

        assertThatThrownBy(() -> manager.commit("reply-7", "one_more"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.LIMIT_REACHED));
        assertThat(session.commits()).hasSize(SessionTracker.MAX_COMMITS_PER_SESSION);
    }

    /**
     * Threads race commits against an interrupt of the same device, round after round. Every pair is
     * checked: a commit that answered yes is in the interrupt's {@code committed}, one that answered no is
     * not, and nothing else is.
     */
    @Test
    void commitsRacingInterruptsAreEachOrderedExactlyOnceAgainstTheInterrupt() throws Exception {
        int rounds = 500;
        int committers = 3;
        ExecutorService pool = Executors.newFixedThreadPool(committers + 1);
        Map<Boolean, AtomicInteger> outcomes =
                new ConcurrentHashMap<>(Map.of(true, new AtomicInteger(), false, new AtomicInteger()));
        try {
            for (int round = 0; round < rounds; round++) {
                String hw = "race-" + (round % 20);
                List<Session> sessions = List.of(
                        manager.openSession(hw, "r" + round + "-a", null),
                        manager.openSession(hw, "r" + round + "-b", null));
                CyclicBarrier start = new CyclicBarrier(committers + 1);
                List<Future<Boolean>> commits = new ArrayList<>();
                List<String> actions = new ArrayList<>();
                List<Session> owners = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    Session owner = sessions.get(c % sessions.size());
                    String action = "act_" + c;
                    owners.add(owner);
                    actions.add(action);
                    commits.add(pool.submit(() -> {
                        start.await();
                        return owner.commit(action);
                    }));
                }
                Future<InterruptResult> interrupt = pool.submit(() -> {
                    start.await();
                    return manager.interrupt(hw, "user_barge_in").join();
                });
                InterruptResult result = interrupt.get(10, TimeUnit.SECONDS);

                List<Commit> expected = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    boolean committed = commits.get(c).get(10, TimeUnit.SECONDS);
                    outcomes.get(committed).incrementAndGet();
                    String sessionId = owners.get(c).sessionId();
                    String action = actions.get(c);
                    boolean listed = result.committed().stream()
                            .anyMatch(k -> k.sessionId().equals(sessionId)
                                    && k.action().equals(action));
                    assertThat(listed)
                            .as("round %d: commit %s of %s answered %s", round, action, sessionId, committed)
                            .isEqualTo(committed);
                    if (committed) {
                        expected.addAll(owners.get(c).commits().stream()
                                .filter(k -> k.action().equals(action))
                                .toList());
                    } else {
                        assertThat(owners.get(c).commits())
                                .noneMatch(k -> k.action().equals(action));
                    }
                }
                assertThat(result.committed())
                        .as("round %d: nothing but the committed ones", round)
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(outcomes.get(true).get()).as("some commits came first").isPositive();
        assertThat(outcomes.get(false).get()).as("some interrupts came first").isPositive();
        assertThat(manager.commits("committed") + manager.commits("refused")).isEqualTo((long) rounds * committers);
    }
}
