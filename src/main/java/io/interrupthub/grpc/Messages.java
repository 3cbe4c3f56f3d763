package io.interrupthub.grpc;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import com.google.protobuf.Timestamp;
import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.Pause;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SessionDelivery;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SpeechOutcome;
import io.interrupthub.grpc.proto.InterruptEvent;
import io.interrupthub.grpc.proto.InterruptResponse;
import io.interrupthub.grpc.proto.InterruptStarted;
import io.interrupthub.grpc.proto.ModuleResult;
import io.interrupthub.grpc.proto.Paused;
import io.interrupthub.grpc.proto.RecoveryResolved;
import io.interrupthub.grpc.proto.Resumed;
import io.interrupthub.grpc.proto.Silence;
import io.interrupthub.grpc.proto.SpeechDecided;
import io.interrupthub.grpc.proto.Subscribed;
import org.jspecify.annotations.Nullable;

/** Core values as the messages of {@code streaming.proto}. Absent text becomes proto3's empty string. */
final class Messages {

    private Messages() {}

    static InterruptResponse response(InterruptResult result) {
        InterruptResponse.Builder response = InterruptResponse.newBuilder()
                .setSuccess(result.success())
                .addAllInterruptedSessions(result.delivered().stream()
                        .map(SessionDelivery::sessionId)
                        .toList())
                .setMessage(message(result))
                .setHardwareId(result.hardwareId())
                .setEpoch(result.epoch())
                .setSessionsInterrupted(result.sessionsInterrupted())
                .setReason(text(result.reason()))
                .setSource(text(result.source()))
                .setDurationMs(result.durationMs())
                .setStartedAt(timestamp(result.startedAt()));
        for (io.interrupthub.core.ModuleResult module : result.modules()) {
            response.addModules(ModuleResult.newBuilder()
                    .setModule(module.module())
                    .setOutcome(module.outcome().name())
                    .setDurationMs(module.durationMs())
                    .setError(text(module.error())));
        }
        return response.build();
    }

    /** The seed's clients show this line; it says what a person needs, and names the modules that failed. */
    static String message(InterruptResult result) {
        String done = "interrupted " + result.sessionsInterrupted()
                + (result.sessionsInterrupted() == 1 ? " session" : " sessions") + " of " + result.hardwareId()
                + " at epoch " + result.epoch();
        if (result.success()) {
            return done + "; every module took it";
        }
        return done + "; not taken by "
                + result.modules().stream()
                        .filter(m -> m.outcome() == ModuleOutcome.FAILED || m.outcome() == ModuleOutcome.TIMED_OUT)
                        .map(m -> m.module() + " (" + m.outcome() + ")")
                        .collect(Collectors.joining(", "));
    }

    static InterruptEvent started(InterruptCause cause, List<String> sessionIds) {
        return InterruptEvent.newBuilder()
                .setStarted(InterruptStarted.newBuilder()
                        .setHardwareId(cause.hardwareId())
                        .setEpoch(cause.epoch())
                        .setReason(text(cause.reason()))
                        .setSource(text(cause.source()))
                        .setAt(timestamp(cause.at()))
                        .addAllSessionIds(sessionIds))
                .build();
    }

    static InterruptEvent completed(InterruptResult result) {
        return InterruptEvent.newBuilder().setCompleted(response(result)).build();
    }

    static InterruptEvent silence(SilenceReport report) {
        Silence.Builder silence = Silence.newBuilder()
                .setHardwareId(report.hardwareId())
                .setEpoch(report.epoch())
                .setSilence(report.state().name())
                .addAllPendingSessions(report.pendingSessions());
        if (report.timeToSilenceMs() != null) {
            silence.setTimeToSilenceMs(report.timeToSilenceMs());
        }
        return InterruptEvent.newBuilder().setSilence(silence).build();
    }

    static InterruptEvent paused(Pause pause) {
        return InterruptEvent.newBuilder().setPaused(pauseMessage(pause)).build();
    }

    private static Paused pauseMessage(Pause pause) {
        return Paused.newBuilder()
                .setHardwareId(pause.hardwareId())
                .setEpoch(pause.epoch())
                .setReason(text(pause.reason()))
                .setSource(text(pause.source()))
                .addAllSessionIds(pause.sessionIds())
                .setPausedAt(timestamp(pause.pausedAt()))
                .setResumeBy(timestamp(pause.resumeBy()))
                .build();
    }

    /** The answer of {@code ReportSpeech}, and the {@code speech} event's body: the REST answer's fields. */
    static SpeechDecided speechDecided(SpeechOutcome outcome) {
        SpeechDecided.Builder decided = SpeechDecided.newBuilder()
                .setHardwareId(outcome.hardwareId())
                .setDecision(outcome.decision().name())
                .setRule(outcome.rule().tag())
                .setPolicy(text(outcome.policy()))
                .setEpoch(outcome.epoch())
                .setAlreadyPaused(outcome.alreadyPaused())
                .setWords(outcome.words())
                .setSpeechMs(outcome.speechMs())
                .setIsFinal(outcome.isFinal())
                .setAt(timestamp(outcome.at()));
        if (outcome.pause() != null) {
            decided.setPause(pauseMessage(outcome.pause()));
        }
        return decided.build();
    }

    static InterruptEvent speech(SpeechOutcome outcome) {
        return InterruptEvent.newBuilder().setSpeech(speechDecided(outcome)).build();
    }

    static InterruptEvent recovery(RecoveryReport report) {
        RecoveryResolved.Builder recovery = RecoveryResolved.newBuilder()
                .setHardwareId(report.hardwareId())
                .setEpoch(report.epoch())
                .setOutcome(report.outcome().name())
                .setInterruptedAt(timestamp(report.interruptedAt()))
                .setSessionId(text(report.sessionId()));
        if (report.recoveredMs() != null) {
            recovery.setRecoveredMs(report.recoveredMs());
        }
        return InterruptEvent.newBuilder().setRecovery(recovery).build();
    }

    static InterruptEvent resumed(Pause pause) {
        return InterruptEvent.newBuilder()
                .setResumed(Resumed.newBuilder()
                        .setHardwareId(pause.hardwareId())
                        .setEpoch(pause.epoch())
                        .setOutcome(pause.outcome().tag())
                        .setPausedMs(pause.duration(pause.endedAt()).toNanos() / 1_000_000.0)
                        .addAllSessionIds(pause.sessionIds()))
                .build();
    }

    static InterruptEvent subscribed(@Nullable String hardwareId, long epoch) {
        return InterruptEvent.newBuilder()
                .setSubscribed(
                        Subscribed.newBuilder().setHardwareId(text(hardwareId)).setEpoch(epoch))
                .build();
    }

    static Timestamp timestamp(Instant instant) {
        if (instant == null) {
            return Timestamp.getDefaultInstance();
        }
        return Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }

    /** proto3 has no null string; the empty string means "not given", as it does in requests. */
    static String text(@Nullable String value) {
        return value == null ? "" : value;
    }

    static @Nullable String orNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
