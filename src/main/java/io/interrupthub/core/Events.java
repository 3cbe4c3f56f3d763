package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Where everything the core tells the outside leaves from: listeners, in one loop that isolates them from one
 * another, and sessions' callbacks, on a pool of their own so a blocking callback starves neither the caller nor
 * the modules. Never called under a device lock.
 */
final class Events implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Events.class.getName());
    private static final int CALLBACK_THREADS = 4;
    static final int CALLBACK_QUEUE = 10_000;

    private final List<InterruptListener> listeners = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor callbacks = new ThreadPoolExecutor(
            CALLBACK_THREADS,
            CALLBACK_THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(CALLBACK_QUEUE),
            FanOut.daemonThreads("interrupt-callback-"));

    Events() {
        callbacks.allowCoreThreadTimeOut(true);
    }

    void add(InterruptListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void remove(InterruptListener listener) {
        listeners.remove(listener);
    }

    /** Tells every listener; one that throws is logged and keeps none of the others from hearing. */
    void publish(Consumer<InterruptListener> event, String what) {
        for (InterruptListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, what + " listener failed", e);
            }
        }
    }

    /** An interrupt began: the ids of the sessions it reached are built only when someone listens. */
    void interruptStarted(InterruptCause cause, List<SessionTracker.Reached> reached) {
        if (listeners.isEmpty()) {
            return;
        }
        List<String> sessionIds =
                reached.stream().map(r -> r.session().sessionId()).toList();
        publish(listener -> listener.interruptStarted(cause, sessionIds), "interrupt");
    }

    void sessionChanged(Session session) {
        if (listeners.isEmpty()) {
            return; // no SessionInfo to build
        }
        SessionInfo info = session.info();
        publish(listener -> listener.sessionChanged(info), "session");
    }

    /** The session's interrupt callbacks, off the caller's thread. */
    void interrupted(Session session, List<Consumer<InterruptCause>> due) {
        if (due.isEmpty()) {
            return;
        }
        InterruptCause cause = session.interruptCause().orElseThrow();
        run(session, () -> Callbacks.runAll(due, cause), "interrupt");
    }

    /** The session's pause or resume callbacks, off the caller's thread. */
    void held(Session session, List<Consumer<Pause>> due, Pause pause) {
        if (!due.isEmpty()) {
            run(session, () -> Callbacks.runPause(due, pause), "pause");
        }
    }

    private void run(Session session, Runnable callbacksOfSession, String kind) {
        try {
            callbacks.execute(callbacksOfSession);
        } catch (RejectedExecutionException saturated) {
            // Never inline: a blocking callback must not block the interrupt. The session's state is already
            // set, so a loop that polls it still stops.
            LOG.log(
                    Level.WARNING,
                    kind + " callbacks of session " + session.sessionId() + " dropped: " + CALLBACK_QUEUE
                            + " callbacks are already waiting");
        }
    }

    /**
     * A silence resolved: listeners hear of it, a missed one names its stuck speakers in the log, once per
     * interrupt, and whoever waits on {@link InterruptFuture#silence()} is told last.
     */
    void silenceResolved(InterruptSilence silence, SilenceReport report, InterruptSettings settings) {
        if (report.state() == SilenceState.MISSED) {
            LOG.log(
                    Level.WARNING,
                    "silence missed: device " + report.hardwareId() + " epoch " + report.epoch()
                            + ", no stop receipt within " + Durations.seconds(settings.silenceDeadline())
                            + " from session(s) " + String.join(", ", report.pendingSessions()));
        }
        publish(listener -> listener.silenceResolved(report), "silence");
        silence.announce(report);
    }

    /**
     * A recovery resolved: listeners hear of it, and a missed one is one line in the log, once per interrupt. At
     * INFO: it says the backend's next turn stayed silent, not that the hub failed (the alert is the page).
     */
    void recoveryResolved(RecoveryReport report, InterruptSettings settings) {
        if (report.outcome() == RecoveryOutcome.MISSED) {
            LOG.log(
                    Level.INFO,
                    "recovery missed: device " + report.hardwareId() + " epoch " + report.epoch()
                            + ", no delivery of a next turn within " + Durations.seconds(settings.recoveryDeadline())
                            + " of the interrupt");
        }
        publish(listener -> listener.recoveryResolved(report), "recovery");
    }

    @Override
    public void close() {
        callbacks.shutdownNow();
    }
}
