package io.interrupthub.core;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How pauses ended, and who counts each: in a cluster a pause is counted once, by the instance that took its
 * decision (its resume or expiry won in Redis, or its interrupt's announcement confirmed it), so the sum over the
 * instances is the pauses. Listeners hear every end, on every instance that held the pause.
 */
final class PauseDecisions {

    private final Events events;
    private final Map<PauseOutcome, LongAdder> outcomes = new EnumMap<>(PauseOutcome.class);

    PauseDecisions(Events events) {
        this.events = events;
        for (PauseOutcome outcome : PauseOutcome.values()) {
            outcomes.put(outcome, new LongAdder());
        }
    }

    long count(PauseOutcome outcome) {
        return outcomes.get(outcome).sum();
    }

    /**
     * After the lock: the pause an interrupt took is decided; returns it ended, or null when it had been resumed
     * elsewhere first (the interrupt then did not follow it). {@code news} is what the interrupt's announcement
     * (or, from another instance, its signal) said of the device's pause in the cluster; {@code local} is true for
     * an interrupt made here.
     */
    Pause confirmed(OpenPause pause, Instant at, ClusterLink.Announcement news, boolean local) {
        String newsId = news == null ? null : news.pauseId();
        boolean announcedHere = local && news != null && news.pauseDecided();
        if (pause == null || (announcedHere && !pause.is(newsId))) {
            // This announcement decided a pause this instance no longer (or never) held: still counted here.
            if (announcedHere) {
                outcomes.get(PauseOutcome.CONFIRMED).increment();
            }
            if (pause == null) {
                // Its signal had not reached this instance: the interrupt still followed it, as the cluster
                // records it (no session here was held by it).
                ClusterLink.ClusterPause shared = announcedHere ? news.pause() : null;
                return shared == null
                        ? null
                        : new Pause(
                                shared.hardwareId(),
                                shared.epoch(),
                                shared.reason(),
                                shared.source(),
                                shared.pausedAt(),
                                shared.resumeBy(),
                                List.of(),
                                PauseOutcome.CONFIRMED,
                                at);
            }
        }
        PauseOutcome fallback = pause.expiring ? PauseOutcome.EXPIRED_INTERRUPTED : PauseOutcome.CONFIRMED;
        PauseOutcome outcome = fallback;
        boolean counted;
        if (pause.clusterId() == null || (local && newsId == null)) {
            // One process, or the cluster could not be reached or no longer knew the pause: decided here.
            counted = true;
        } else if (pause.is(newsId) && news.pauseOutcome() != null) {
            outcome = pause.expiring ? PauseOutcome.EXPIRED_INTERRUPTED : news.pauseOutcome();
            counted = announcedHere || pause.decidedHere;
        } else {
            counted = pause.decidedHere;
        }
        Pause ended = pause.snapshot.ended(outcome, at);
        decided(pause, ended, counted);
        return outcome.resumed() ? null : ended;
    }

    /** An interrupt that ended a pause of this instance alone took the decision of the cluster's pause too. */
    void countedInCluster(ClusterLink.Announcement news) {
        if (news != null && news.pauseDecided()) {
            outcomes.get(PauseOutcome.CONFIRMED).increment();
        }
    }

    /** {@code counted}: this instance took the decision, so its metric counts it (once cluster-wide). */
    void decided(OpenPause pause, Pause ended, boolean counted) {
        if (counted) {
            count(pause, ended.outcome());
        }
        pause.decided.complete(ended);
        events.publish(listener -> listener.pauseEnded(ended), "pause");
    }

    void count(OpenPause pause, PauseOutcome outcome) {
        if (pause.counted.compareAndSet(false, true)) {
            outcomes.get(outcome).increment();
        }
    }
}
