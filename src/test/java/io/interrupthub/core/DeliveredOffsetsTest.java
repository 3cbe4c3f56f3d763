package io.interrupthub.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What was heard: producers report how far output reached the user; offsets only grow, and an interrupt
 * result carries each reached session's offsets of the moment the interrupt reached it.
 */
class DeliveredOffsetsTest {

    private final MutableClock clock = MutableClock.startingAt("2026-11-25T18:00:00Z");
    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults(), clock);
    private final CountDownLatch releaseModule = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        releaseModule.countDown();
        manager.close();
    }

    @Test
    void aNewSessionHasDeliveredNothing() {
        Session session = manager.openSession("dev-0");

        assertThat(session.delivered()).isEqualTo(Delivered.NONE);
        assertThat(session.delivered()).isEqualTo(new Delivered(0, 0));
        assertThat(session.info().delivered()).isEqualTo(Delivered.NONE);
        assertThat(session.deliveredAtInterrupt()).isEmpty();
    }

    @Test
    void reportedOffsetsOnlyGrow() {
        Session session = manager.openSession("dev-1");

        assertThat(session.reportDelivered(10, 100)).isEqualTo(new Delivered(10, 100));
        assertThat(session.reportDelivered(5, 200))
                .as("a late text offset does not move text back")
                .isEqualTo(new Delivered(10, 200));
        assertThat(session.reportDelivered(30, 50))
                .as("a late audio offset does not move audio back")
                .isEqualTo(new Delivered(30, 200));
        assertThat(session.reportDelivered(0, 0)).isEqualTo(new Delivered(30, 200));
        assertThat(session.delivered()).isEqualTo(new Delivered(30, 200));
        assertThat(session.info().delivered()).isEqualTo(new Delivered(30, 200));
    }

    @Test
    void theManagerRecordsReportsByIdAndAnswersTheSessionView() {
        Session session = manager.openSession("dev-2");

        SessionInfo first = manager.reportDelivered(session.sessionId(), 42, 1500);
        SessionInfo second = manager.reportDelivered(session.sessionId(), 40, 1400);

        assertThat(first.sessionId()).isEqualTo(session.sessionId());
        assertThat(first.delivered()).isEqualTo(new Delivered(42, 1500));
        assertThat(second.delivered()).isEqualTo(new Delivered(42, 1500));
        assertThat(session.delivered()).isEqualTo(new Delivered(42, 1500));
    }

    @Test
    void negativeOffsetsAreRefusedAndChangeNothing() {
        Session session = manager.openSession("dev-3");
        session.reportDelivered(7, 70);

        assertThatThrownBy(() -> manager.reportDelivered(session.sessionId(), -1, 100))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));
        assertThatThrownBy(() -> session.reportDelivered(100, -5))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));

        assertThat(session.delivered()).isEqualTo(new Delivered(7, 70));
    }

    @Test
    void reportingForAnUnknownSessionIsNotFound() {
        assertThatThrownBy(() -> manager.reportDelivered("no-such-session", 1, 1))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.NOT_FOUND));
    }

    @Test
    void theResultCarriesEachReachedSessionsOffsetsAtTheMomentOfInterrupt() {
        Session a = manager.openSession("dev-4", "stream-a", null);
        Session b = manager.openSession("dev-4", "stream-b", null);
        Session silent = manager.openSession("dev-4", "stream-silent", null);
        Session otherDevice = manager.openSession("dev-other", "stream-other", null);
        a.reportDelivered(120, 4_000);
        b.reportDelivered(15, 600);
        otherDevice.reportDelivered(999, 999);

        InterruptResult result = manager.interrupt("dev-4", "user_barge_in").join();

        assertThat(result.sessionsInterrupted()).isEqualTo(3);
        assertThat(result.delivered())
                .containsExactlyInAnyOrder(
                        new SessionDelivery("stream-a", 120, 4_000),
                        new SessionDelivery("stream-b", 15, 600),
                        new SessionDelivery("stream-silent", 0, 0));
        assertThat(a.deliveredAtInterrupt()).contains(new Delivered(120, 4_000));
        assertThat(silent.deliveredAtInterrupt()).contains(Delivered.NONE);
        assertThat(otherDevice.deliveredAtInterrupt()).isEmpty();
    }

    @Test
    void reportsAfterTheInterruptUpdateTheSessionButNotTheResult() throws Exception {
        manager.register(blockingModule(), ModuleSettings.withTimeout(Duration.ofSeconds(10)));
        Session session = manager.openSession("dev-5", "stream-5", null);
        session.reportDelivered(50, 2_000);

        InterruptFuture future = manager.interrupt("dev-5", "user_barge_in");
        // The fan-out is still running (the module waits); the producer's last reports arrive now.
        assertThat(future).isNotDone();
        manager.reportDelivered("stream-5", 80, 3_000);
        session.reportDelivered(90, 2_500);
        releaseModule.countDown();
        InterruptResult result = future.get(15, TimeUnit.SECONDS);

        assertThat(result.delivered()).containsExactly(new SessionDelivery("stream-5", 50, 2_000));
        assertThat(session.deliveredAtInterrupt()).contains(new Delivered(50, 2_000));
        assertThat(session.delivered()).as("the session keeps counting").isEqualTo(new Delivered(90, 3_000));
        assertThat(manager.session("stream-5").orElseThrow().info().delivered()).isEqualTo(new Delivered(90, 3_000));
        assertThat(manager.history("dev-5", 10))
                .singleElement()
                .satisfies(h -> assertThat(h.delivered()).containsExactly(new SessionDelivery("stream-5", 50, 2_000)));
    }

    @Test
    void aSessionInterruptedInsideANonInterruptibleSectionReportsTheOffsetsOfTheInterrupt() {
        Session session = manager.openSession("dev-6", "stream-6", null);
        session.reportDelivered(10, 100);

        InterruptResult result;
        try (Session.Section ignored = session.nonInterruptible()) {
            result = manager.interrupt("dev-6", "user_barge_in").join();
            session.reportDelivered(20, 200); // the protected section finishes its sentence
        }

        assertThat(result.delivered()).containsExactly(new SessionDelivery("stream-6", 10, 100));
        assertThat(session.delivered()).isEqualTo(new Delivered(20, 200));
    }

    @Test
    void onlySessionsTheInterruptReachedAppearInDelivered() {
        Session first = manager.openSession("dev-7", "stream-old", null);
        first.reportDelivered(5, 5);
        manager.interrupt("dev-7", "first").join();

        Session next = manager.openSession("dev-7", "stream-new", null);
        next.reportDelivered(8, 80);
        InterruptResult second = manager.interrupt("dev-7", "second").join();

        assertThat(second.delivered())
                .as("the already interrupted session is not reached again")
                .containsExactly(new SessionDelivery("stream-new", 8, 80));
        assertThat(manager.interrupt("dev-7", "third").join().delivered()).isEmpty();
    }

    @Test
    void anInterruptOfADeviceWithoutSessionsHasAnEmptyDeliveredList() {
        InterruptResult result = manager.interrupt("dev-empty", "x").join();

        assertThat(result.delivered()).isEmpty();
    }

    private Interruptible blockingModule() {
        return new Interruptible() {
            @Override
            public String moduleName() {
                return "audio_generation";
            }

            @Override
            public List<ModuleAction> actions() {
                return List.of(ModuleAction.of("stop_generation", cause -> releaseModule.await()));
            }
        };
    }
}
