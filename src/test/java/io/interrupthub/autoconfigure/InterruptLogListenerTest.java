package io.interrupthub.autoconfigure;

import java.time.Instant;
import java.util.List;

import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InterruptLogListenerTest {

    private final InterruptResult result = new InterruptResult(
            "kitchen-7",
            12,
            false,
            "user_barge_in",
            null,
            1,
            1500.25,
            Instant.parse("2026-11-25T18:00:00Z"),
            List.of(
                    new ModuleResult("session_management", ModuleOutcome.OK, 0.1, null),
                    new ModuleResult("audio_generation", ModuleOutcome.TIMED_OUT, 1500.0, "no answer within 1.5 s"),
                    new ModuleResult("memory", ModuleOutcome.DISABLED, 0, null)),
            List.of());

    @Test
    void oneLineCarriesDeviceReasonEpochOutcomeAndModuleTimings() {
        assertThat(new InterruptLogListener(true).format(result))
                .isEqualTo("interrupt hardwareId=kitchen-7 epoch=12 reason=\"user_barge_in\" outcome=failure sessions=1"
                        + " durationMs=1500.25 modules=session_management:OK:0.1ms,audio_generation:TIMED_OUT:1500.0ms,"
                        + "memory:DISABLED");
    }

    @Test
    void withoutLogTimingTheLineHasNoTimes() {
        assertThat(new InterruptLogListener(false).format(result))
                .doesNotContain("ms")
                .endsWith("modules=session_management:OK,audio_generation:TIMED_OUT,memory:DISABLED");
    }

    @Test
    void theLineCarriesItsFactsAsKeyValuePairsForStructuredLogging() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(InterruptLogListener.LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            new InterruptLogListener(true).interruptCompleted(result);
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
            assertThat(event.getKeyValuePairs())
                    .extracting(kv -> kv.key + "=" + kv.value)
                    .containsExactly(
                            "hardwareId=kitchen-7",
                            "epoch=12",
                            "reason=user_barge_in",
                            "outcome=failure",
                            "sessionsInterrupted=1",
                            "durationMs=1500.25");
            assertThat(event.getFormattedMessage()).startsWith("interrupt hardwareId=kitchen-7 epoch=12");
        });
    }

    @Test
    void aReasonCannotForgeAnotherField() {
        InterruptResult forged = new InterruptResult(
                "d", 1, true, "x\" outcome=success", "src\\", 0, 1, Instant.EPOCH, List.of(), List.of());
        assertThat(new InterruptLogListener(true).format(forged))
                .contains("reason=\"x\\\" outcome=success\"")
                .contains("source=\"src\\\\\"");
    }
}
