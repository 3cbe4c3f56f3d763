package io.interrupthub.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/**
 * The silences still awaited, ordered by deadline, so the sweep touches only those that are due. An entry
 * leaves when its silence resolves, at the latest at its deadline: the queue holds at most the
 * interrupts of the last {@code INTERRUPT_SILENCE_DEADLINE}.
 */
final class SilenceWatch {

    private final Duration deadline;
    /** Told of every silence that resolved, outside every lock. */
    private final BiConsumer<InterruptSilence, SilenceReport> resolved;

    private final ConcurrentSkipListMap<Deadline, InterruptSilence> due = new ConcurrentSkipListMap<>();

    SilenceWatch(Duration deadline, BiConsumer<InterruptSilence, SilenceReport> resolved) {
        this.deadline = deadline;
        this.resolved = resolved;
    }

    /**
     * Starts awaiting the silence of the sessions {@code cause} marked. Caller holds the device lock, so a
     * stop receipt (taken under the same lock) either came before, and counts as already quiet, or finds
     * the silence on its session.
     */
    InterruptSilence begin(InterruptCause cause, List<Session> marked) {
        InterruptSilence silence = new InterruptSilence(cause, marked, deadline);
        for (Session session : marked) {
            session.silence = silence;
        }
        if (!silence.resolved()) {
            silence.key = Deadline.at(silence.deadlineMillis);
            due.put(silence.key, silence);
        }
        return silence;
    }

    /** A session went quiet, by receipt or by ending; caller holds no device lock when it calls {@link #settle}. */
    SilenceReport confirm(Session session, java.time.Instant at, Delivered offsets) {
        InterruptSilence silence = session.silence;
        return silence == null ? null : silence.confirm(session.sessionId(), at, offsets);
    }

    /** Takes a resolved silence off the queue and tells whoever listens. */
    void settle(InterruptSilence silence, SilenceReport report) {
        if (report == null) {
            return;
        }
        if (silence.key != null) {
            due.remove(silence.key, silence);
        }
        resolved.accept(silence, report);
    }

    /** Resolves as missed every silence whose deadline has passed. */
    void sweep(long nowMillis) {
        Map.Entry<Deadline, InterruptSilence> first;
        while ((first = due.firstEntry()) != null && first.getKey().atMillis() <= nowMillis) {
            if (due.remove(first.getKey(), first.getValue())) {
                settle(first.getValue(), first.getValue().expire(nowMillis));
            }
        }
    }

    int awaited() {
        return due.size();
    }
}
