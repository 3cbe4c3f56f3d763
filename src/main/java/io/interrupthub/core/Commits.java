package io.interrupthub.core;

import java.time.Clock;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The point of no return for one side effect of a session's turn, decided under the device lock that interrupts
 * mark sessions under: the commit comes before an interrupt, which then lists it, or after it, and is refused.
 *
 * <p>In a cluster an interrupt numbered elsewhere may not have reached this instance yet, so the device's cluster
 * epoch is read first, outside the lock, in the cluster's order after this instance's own announcements of the
 * device; the lock then checks the session's turn against it. When the cluster cannot answer in time the commit
 * is refused as unavailable (retry), never as interrupted, unless the link decides commits on local order.
 */
final class Commits {

    /** What a commit found under the lock. */
    private sealed interface Step {
        record Done(Commit commit, boolean fresh) implements Step {}

        /** Ended, expired or removed: as gone as if it had never been found. */
        record Gone() implements Step {}

        /** Held by a pause: a side effect must not run while the turn may still become an interrupt. */
        record AwaitPause(CompletableFuture<Pause> decision) implements Step {}

        /** Active now but not when the cluster was asked about: ask first. */
        record AskCluster() implements Step {}
    }

    private final DeviceTable devices;
    private final Clock clock;
    private final InterruptSettings settings;
    private final Consumer<Session> events;
    private final Predicate<Session> tracked;
    private volatile ClusterLink link = ClusterLink.LOCAL;

    final LongAdder committed = new LongAdder();
    final LongAdder refused = new LongAdder();

    Commits(
            DeviceTable devices,
            Clock clock,
            InterruptSettings settings,
            Consumer<Session> events,
            Predicate<Session> tracked) {
        this.devices = devices;
        this.clock = clock;
        this.settings = settings;
        this.events = events;
        this.tracked = tracked;
    }

    void link(ClusterLink link) {
        this.link = link;
    }

    Commit commit(Session session, String action) {
        Commit.requireAction(action);
        boolean waited = false;
        while (true) {
            OptionalLong clusterEpoch = session.state() == SessionState.ACTIVE ? clusterEpoch(session, action) : null;
            Step step;
            try {
                step = devices.withExistingDevice(
                        session.hardwareId(), device -> decide(device, session, action, clusterEpoch), new Step.Gone());
            } catch (InterruptHubException e) {
                if (e.kind() == InterruptHubException.Kind.CONFLICT) {
                    refused.increment();
                }
                throw e;
            }
            if (step instanceof Step.Done done) {
                if (done.fresh()) {
                    committed.increment();
                    events.accept(session);
                }
                return done.commit();
            }
            if (step instanceof Step.Gone) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.NOT_FOUND, "no session " + session.sessionId());
            }
            if (step instanceof Step.AwaitPause pause) {
                if (waited) {
                    refused.increment();
                    throw new InterruptHubException(
                            InterruptHubException.Kind.CONFLICT,
                            "session " + session.sessionId() + " is paused and its pause was not decided in time:"
                                    + " do not run " + action + " yet");
                }
                awaitDecision(pause.decision());
                waited = true;
            }
            // Step.AskCluster: resumed between the look and the lock; round once more, asking the cluster this time.
        }
    }

    /**
     * The device's cluster epoch, or empty when the cluster could not say and the link decides on local order;
     * null in one process.
     *
     * @throws InterruptHubException UNAVAILABLE when the cluster could not say in time and commits need it
     */
    private OptionalLong clusterEpoch(Session session, String action) {
        ClusterLink cluster = link;
        if (cluster == ClusterLink.LOCAL) {
            return null;
        }
        OptionalLong epoch = LinkAnswers.await(cluster.commitEpoch(session.hardwareId()), OptionalLong.empty());
        if (epoch.isEmpty() && cluster.commitsNeedTheCluster()) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.UNAVAILABLE,
                    "the cluster cannot order a commit of device " + session.hardwareId()
                            + " against its interrupts now (Redis did not answer in time); " + action
                            + " was not committed: retry");
        }
        return epoch;
    }

    /** Under the device lock. {@code clusterEpoch}: null when not asked, empty when the cluster could not say. */
    private Step decide(Device device, Session session, String action, OptionalLong clusterEpoch) {
        if (!tracked.test(session)) {
            return new Step.Gone();
        }
        if (session.state() == SessionState.PAUSED && device.pause() != null) {
            return new Step.AwaitPause(device.pause().decided);
        }
        if (session.state() == SessionState.ACTIVE && link != ClusterLink.LOCAL && clusterEpoch == null) {
            return new Step.AskCluster();
        }
        if (session.state() == SessionState.ACTIVE
                && clusterEpoch != null
                && clusterEpoch.isPresent()
                && clusterEpoch.getAsLong() > session.epoch()) {
            // Numbered in the cluster after this turn began: it happened, even if it has not reached here yet.
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT,
                    "device " + session.hardwareId() + " was interrupted: the cluster numbered interrupt "
                            + clusterEpoch.getAsLong() + " after the turn of session " + session.sessionId()
                            + " began, do not run " + action);
        }
        int before = session.commits().size();
        Commit commit = session.markCommitted(action, clock.instant(), SessionTracker.MAX_COMMITS_PER_SESSION);
        return new Step.Done(commit, session.commits().size() > before);
    }

    /**
     * Waits at most a whole window and one sweep interval more, for the pause's expiry to run: no caller is held
     * longer than a pause can last.
     */
    private void awaitDecision(CompletableFuture<Pause> decision) {
        long waitMillis =
                settings.resumeWindow().toMillis() + settings.sweepInterval().toMillis();
        try {
            decision.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptHubException(
                    InterruptHubException.Kind.CONFLICT, "interrupted while waiting for a pause's decision");
        } catch (ExecutionException | TimeoutException e) {
            // Undecided in time: the caller looks again and refuses.
        }
    }
}
