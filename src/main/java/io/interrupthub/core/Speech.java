package io.interrupthub.core;

import java.time.Clock;
import java.util.Objects;

/**
 * Turns reports of speech into decisions: under the device's lock it reads what the policy needs (its policy,
 * whether anything speaks, the pause, whether this utterance already interrupted) and claims the utterance for an
 * interrupt, so two reports of one utterance racing each other interrupt once; then, without the lock, it acts
 * through the same calls a client makes (pause, resume, interrupt), so non-interruptible sections, the cluster's
 * one decision per pause and every event apply as they do there.
 */
final class Speech {

    /** The {@code source} of what speech does, in the history, the pauses and the log. */
    static final String SOURCE = "speech";

    private record Look(String policy, long epoch, SpeechPolicy.Verdict verdict) {}

    private final DeviceTable devices;
    private final Events events;
    private final Clock clock;
    /** Its pause, resume and interrupt: what speech does is what a client's call does. */
    private final InterruptManager actions;

    private volatile SpeechPolicies policies = SpeechPolicies.defaults();

    Speech(DeviceTable devices, Events events, Clock clock, InterruptManager actions) {
        this.devices = devices;
        this.events = events;
        this.clock = clock;
        this.actions = actions;
    }

    void use(SpeechPolicies policies) {
        this.policies = Objects.requireNonNull(policies, "policies");
    }

    SpeechPolicies policies() {
        return policies;
    }

    /** A session opened on the device named {@code policy}: its speech is decided by it from now on (null: no change). */
    void chosen(String hardwareId, String policy) {
        if (policy != null) {
            devices.withExistingDevice(
                    hardwareId,
                    device -> {
                        device.choosePolicy(policy.equals(SpeechPolicy.DEFAULT_NAME) ? null : policy);
                        return null;
                    },
                    null);
        }
    }

    SpeechOutcome hear(String hardwareId, SpeechReport report) {
        SpeechPolicies known = policies;
        long nowMillis = clock.millis();
        Look look = devices.withExistingDevice(hardwareId, device -> look(device, report, known, nowMillis), null);
        if (look == null) {
            return decided(
                    hardwareId,
                    report,
                    SpeechPolicy.DEFAULT_NAME,
                    0,
                    SpeechDecision.IGNORED,
                    SpeechRule.IDLE,
                    null,
                    false);
        }
        SpeechRule rule = look.verdict.rule();
        String reason = SOURCE + ": " + rule.tag();
        return switch (look.verdict.decision()) {
            case INTERRUPTED -> {
                InterruptFuture interrupt = actions.interrupt(hardwareId, reason, SOURCE);
                yield decided(
                        hardwareId,
                        report,
                        look.policy,
                        interrupt.epoch(),
                        SpeechDecision.INTERRUPTED,
                        rule,
                        null,
                        false);
            }
            case PAUSED -> {
                PauseResult paused = actions.pause(hardwareId, reason, SOURCE);
                yield decided(
                        hardwareId,
                        report,
                        look.policy,
                        paused.pause().epoch(),
                        SpeechDecision.PAUSED,
                        rule,
                        paused.pause(),
                        paused.alreadyPaused());
            }
            case RESUMED -> resume(hardwareId, report, look, rule);
            case IGNORED ->
                decided(hardwareId, report, look.policy, look.epoch, SpeechDecision.IGNORED, rule, null, false);
        };
    }

    /** A resume that lost to a confirmation, another resume or the window's end changed nothing: it says so. */
    private SpeechOutcome resume(String hardwareId, SpeechReport report, Look look, SpeechRule rule) {
        try {
            Pause resumed = actions.resume(hardwareId);
            return decided(
                    hardwareId, report, look.policy, resumed.epoch(), SpeechDecision.RESUMED, rule, resumed, false);
        } catch (InterruptHubException e) {
            if (e.kind() != InterruptHubException.Kind.CONFLICT) {
                throw e;
            }
            return decided(
                    hardwareId,
                    report,
                    look.policy,
                    look.epoch,
                    SpeechDecision.IGNORED,
                    SpeechRule.PAUSE_DECIDED,
                    null,
                    false);
        }
    }

    private static Look look(Device device, SpeechReport report, SpeechPolicies known, long nowMillis) {
        String name = device.speechPolicy() == null ? SpeechPolicy.DEFAULT_NAME : device.speechPolicy();
        SpeechPolicy policy = known.require(name);
        SpeechPolicy.Verdict verdict;
        if (!device.speaking()) {
            verdict = new SpeechPolicy.Verdict(SpeechDecision.IGNORED, SpeechRule.IDLE);
        } else if (device.utteranceInterrupted(nowMillis, report.speechMs())) {
            verdict = new SpeechPolicy.Verdict(SpeechDecision.IGNORED, SpeechRule.SAME_UTTERANCE);
        } else {
            verdict = policy.decide(report, device.pause() != null);
        }
        if (report.isFinal()) {
            device.utterance(-1);
        } else if (verdict.decision() == SpeechDecision.INTERRUPTED) {
            device.utterance(nowMillis);
        }
        return new Look(name, device.epoch(), verdict);
    }

    private SpeechOutcome decided(
            String hardwareId,
            SpeechReport report,
            String policy,
            long epoch,
            SpeechDecision decision,
            SpeechRule rule,
            Pause pause,
            boolean alreadyPaused) {
        SpeechOutcome outcome = new SpeechOutcome(
                hardwareId,
                decision,
                rule,
                policy,
                epoch,
                pause,
                alreadyPaused,
                SpeechPolicy.words(report.transcript()).size(),
                report.speechMs(),
                report.isFinal(),
                clock.instant());
        events.publish(listener -> listener.speechDecided(outcome), "speech");
        return outcome;
    }
}
