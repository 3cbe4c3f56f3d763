package io.interrupthub.autoconfigure;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.Pause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One key=value line per interrupt ({@code LOG_INTERRUPTS}), with module timings when {@code LOG_TIMING}.
 * Info when every module was OK, warn otherwise. Nothing is logged per poll or per session. With Boot's
 * structured logging ({@code LOGGING_STRUCTURED_FORMAT_CONSOLE=ecs} or {@code logstash}) the device,
 * epoch, reason and outcome are JSON fields of that line.
 */
final class InterruptLogListener implements InterruptListener {

    static final String LOGGER_NAME = "io.interrupthub.interrupts";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final boolean timing;

    InterruptLogListener(boolean timing) {
        this.timing = timing;
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        if (result.success() ? !LOG.isInfoEnabled() : !LOG.isWarnEnabled()) {
            return;
        }
        // The same facts as key-value pairs, so structured (JSON) logging has them as fields.
        LoggingEventBuilder event = (result.success() ? LOG.atInfo() : LOG.atWarn())
                .addKeyValue("hardwareId", result.hardwareId())
                .addKeyValue("epoch", result.epoch())
                .addKeyValue("reason", result.reason())
                .addKeyValue("outcome", result.success() ? "success" : "failure")
                .addKeyValue("sessionsInterrupted", result.sessionsInterrupted());
        if (timing) {
            event = event.addKeyValue("durationMs", result.durationMs());
        }
        if (result.followedPause() != null) {
            event = event.addKeyValue(
                            "followedPause", result.followedPause().outcome().tag())
                    .addKeyValue("pausedMs", pausedMs(result.followedPause()));
        }
        event.log(format(result));
    }

    /**
     * One line per tentative interrupt, once decided. A pause that became an interrupt is told by that
     * interrupt's line ({@code followedPause=}); one that resumed has no interrupt, so it gets its own.
     */
    @Override
    public void pauseEnded(Pause pause) {
        if (!pause.outcome().resumed() || !LOG.isInfoEnabled()) {
            return;
        }
        LOG.atInfo()
                .addKeyValue("hardwareId", pause.hardwareId())
                .addKeyValue("epoch", pause.epoch())
                .addKeyValue("reason", pause.reason())
                .addKeyValue("outcome", pause.outcome().tag())
                .addKeyValue("sessionsPaused", pause.sessionIds().size())
                .addKeyValue("pausedMs", pausedMs(pause))
                .log(format(pause));
    }

    String format(Pause pause) {
        StringBuilder line = new StringBuilder(120)
                .append("tentative interrupt hardwareId=")
                .append(pause.hardwareId())
                .append(" epoch=")
                .append(pause.epoch())
                .append(" reason=")
                .append(quoted(pause.reason() == null ? "unspecified" : pause.reason()));
        if (pause.source() != null) {
            line.append(" source=").append(quoted(pause.source()));
        }
        return line.append(" outcome=")
                .append(pause.outcome().tag())
                .append(" sessions=")
                .append(pause.sessionIds().size())
                .append(" pausedMs=")
                .append(pausedMs(pause))
                .toString();
    }

    private static double pausedMs(Pause pause) {
        return pause.duration(pause.endedAt()).toNanos() / 1_000_000.0;
    }

    String format(InterruptResult result) {
        StringBuilder line = new StringBuilder(160)
                .append("interrupt hardwareId=")
                .append(result.hardwareId())
                .append(" epoch=")
                .append(result.epoch())
                .append(" reason=")
                .append(quoted(result.reason()));
        if (result.source() != null) {
            line.append(" source=").append(quoted(result.source()));
        }
        line.append(" outcome=")
                .append(result.success() ? "success" : "failure")
                .append(" sessions=")
                .append(result.sessionsInterrupted());
        if (timing) {
            line.append(" durationMs=").append(result.durationMs());
        }
        if (result.followedPause() != null) {
            line.append(" followedPause=")
                    .append(result.followedPause().outcome().tag())
                    .append(" pausedMs=")
                    .append(pausedMs(result.followedPause()));
        }
        line.append(" modules=");
        boolean first = true;
        for (ModuleResult module : result.modules()) {
            line.append(first ? "" : ",").append(module.module()).append(':').append(module.outcome());
            if (timing && module.outcome() != ModuleOutcome.DISABLED) {
                line.append(':').append(module.durationMs()).append("ms");
            }
            first = false;
        }
        return line.toString();
    }

    /** Reasons are client input: quoted and escaped so they cannot forge a second field or line. */
    private static String quoted(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
