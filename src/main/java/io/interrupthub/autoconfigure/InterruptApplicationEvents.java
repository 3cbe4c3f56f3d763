package io.interrupthub.autoconfigure;

import java.util.List;

import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.Pause;
import io.interrupthub.core.SessionInfo;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Interrupts and session changes as Spring application events, for code that would rather
 * {@code @EventListener} than implement {@link InterruptListener}. Published on the thread that made the
 * change, like every listener: a slow listener should be {@code @Async}.
 */
public final class InterruptApplicationEvents implements InterruptListener {

    /** An interrupt has marked its sessions and is calling its modules. */
    public static final class InterruptStartedEvent extends ApplicationEvent {
        private final transient InterruptCause cause;
        private final List<String> sessionIds;

        InterruptStartedEvent(Object source, InterruptCause cause, List<String> sessionIds) {
            super(source);
            this.cause = cause;
            this.sessionIds = List.copyOf(sessionIds);
        }

        public InterruptCause cause() {
            return cause;
        }

        public List<String> sessionIds() {
            return sessionIds;
        }
    }

    /** Every module answered or timed out. */
    public static final class InterruptCompletedEvent extends ApplicationEvent {
        private final transient InterruptResult result;

        InterruptCompletedEvent(Object source, InterruptResult result) {
            super(source);
            this.result = result;
        }

        public InterruptResult result() {
            return result;
        }
    }

    /** A session was opened, interrupted, ended or expired. */
    public static final class SessionChangedEvent extends ApplicationEvent {
        private final transient SessionInfo session;

        SessionChangedEvent(Object source, SessionInfo session) {
            super(source);
            this.session = session;
        }

        public SessionInfo session() {
            return session;
        }
    }

    /** A tentative interrupt paused a device (when it ends, {@link PauseEndedEvent}). */
    public static final class PausedEvent extends ApplicationEvent {
        private final transient Pause pause;

        PausedEvent(Object source, Pause pause) {
            super(source);
            this.pause = pause;
        }

        public Pause pause() {
            return pause;
        }
    }

    /** A pause was resumed or became an interrupt; {@link Pause#outcome()} says which. */
    public static final class PauseEndedEvent extends ApplicationEvent {
        private final transient Pause pause;

        PauseEndedEvent(Object source, Pause pause) {
            super(source);
            this.pause = pause;
        }

        public Pause pause() {
            return pause;
        }
    }

    private final ApplicationEventPublisher publisher;

    InterruptApplicationEvents(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void interruptStarted(InterruptCause cause, List<String> sessionIds) {
        publisher.publishEvent(new InterruptStartedEvent(this, cause, sessionIds));
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        publisher.publishEvent(new InterruptCompletedEvent(this, result));
    }

    @Override
    public void paused(Pause pause) {
        publisher.publishEvent(new PausedEvent(this, pause));
    }

    @Override
    public void pauseEnded(Pause pause) {
        publisher.publishEvent(new PauseEndedEvent(this, pause));
    }

    @Override
    public void sessionChanged(SessionInfo session) {
        publisher.publishEvent(new SessionChangedEvent(this, session));
    }
}
