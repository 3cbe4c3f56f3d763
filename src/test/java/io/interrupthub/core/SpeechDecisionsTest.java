package io.interrupthub.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reports of speech on a device while its assistant speaks, as a detector sends them (partials as the utterance
 * grows, then a final one), and what the hub does: the sequences users of voice stacks ask about.
 */
class SpeechDecisionsTest {

    private final MutableClock clock = MutableClock.startingAt("2026-12-06T21:00:00Z");
    private final InterruptManager manager = new InterruptManager(InterruptSettings.defaults(), clock);
    private final List<SpeechOutcome> decided = new CopyOnWriteArrayList<>();

    {
        manager.usePolicies(SpeechPolicies.of(
                List.of(SpeechPolicy.builder("eager").minWords(1).build())));
        manager.addListener(new InterruptListener() {
            @Override
            public void speechDecided(SpeechOutcome outcome) {
                decided.add(outcome);
            }
        });
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private SpeechOutcome partial(String transcript, long ms) {
        return manager.reportSpeech("kitchen", new SpeechReport(transcript, ms, false));
    }

    private SpeechOutcome fin(String transcript, long ms) {
        return manager.reportSpeech("kitchen", new SpeechReport(transcript, ms, true));
    }

    @Test
    void aBackchannelWhileTheAssistantSpeaksIsIgnoredAndNothingIsPaused() {
        Session answer = manager.openSession("kitchen");

        SpeechOutcome first = partial("uh-huh", 300);
        SpeechOutcome last = fin("uh-huh", 450);

        assertThat(first.decision()).isEqualTo(SpeechDecision.IGNORED);
        assertThat(last.decision()).isEqualTo(SpeechDecision.IGNORED);
        assertThat(last.rule()).isEqualTo(SpeechRule.BACKCHANNEL);
        assertThat(manager.currentPause("kitchen")).isEmpty();
        assertThat(answer.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(manager.history("kitchen", 10)).isEmpty();
    }

    @Test
    void stopInterruptsAtOnce() {
        Session answer = manager.openSession("kitchen");

        SpeechOutcome outcome = partial("stop", 180);

        assertThat(outcome.decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(outcome.rule()).isEqualTo(SpeechRule.KEYWORD);
        assertThat(answer.isInterrupted()).isTrue();
        assertThat(manager.shouldInterrupt("kitchen")).isTrue();
        assertThat(outcome.epoch()).isEqualTo(answer.epoch() + 1);
        assertThat(manager.history("kitchen", 10)).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo("speech");
            assertThat(r.reason()).isEqualTo("speech: keyword");
        });
    }

    @Test
    void aFirstWordPausesThenThreeWordsInterruptExactlyOnceForTheWholeUtterance() {
        Session answer = manager.openSession("kitchen");

        SpeechOutcome i = partial("I", 220);
        assertThat(i.decision()).isEqualTo(SpeechDecision.PAUSED);
        assertThat(answer.state()).isEqualTo(SessionState.PAUSED);
        SpeechOutcome iThink = partial("I think", 380);
        assertThat(iThink.decision()).isEqualTo(SpeechDecision.PAUSED);
        assertThat(iThink.alreadyPaused()).isTrue();

        SpeechOutcome iThinkThat = partial("I think that", 520);
        assertThat(iThinkThat.decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(iThinkThat.rule()).isEqualTo(SpeechRule.MIN_WORDS);
        assertThat(answer.isInterrupted()).isTrue();

        // The assistant's next turn starts while the user goes on talking: the same utterance does not cut it.
        Session next = manager.openSession("kitchen");
        assertThat(partial("I think that we", 700).rule()).isEqualTo(SpeechRule.SAME_UTTERANCE);
        assertThat(fin("I think that we should go", 1400).rule()).isEqualTo(SpeechRule.SAME_UTTERANCE);
        assertThat(next.state()).isEqualTo(SessionState.ACTIVE);

        List<InterruptResult> history = manager.history("kitchen", 10);
        assertThat(history).hasSize(1);
        assertThat(history.get(0).followedPause()).isNotNull();
        assertThat(history.get(0).followedPause().outcome()).isEqualTo(PauseOutcome.CONFIRMED);
    }

    @Test
    void aCoughPausesThenAnEmptyFinalResumesFromTheSameWord() {
        Session answer = manager.openSession("kitchen");
        answer.reportDelivered(42, 2_600);
        List<String> heard = new CopyOnWriteArrayList<>();
        answer.onResume(p -> heard.add("resumed"));

        SpeechOutcome cough = partial("", 200);
        assertThat(cough.decision()).isEqualTo(SpeechDecision.PAUSED);
        assertThat(cough.rule()).isEqualTo(SpeechRule.SOUND);
        assertThat(answer.isPaused()).isTrue();

        SpeechOutcome over = fin("", 260);

        assertThat(over.decision()).isEqualTo(SpeechDecision.RESUMED);
        assertThat(over.rule()).isEqualTo(SpeechRule.EMPTY);
        assertThat(over.pause().outcome()).isEqualTo(PauseOutcome.RESUMED);
        assertThat(answer.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(answer.isInterrupted()).isFalse();
        assertThat(answer.delivered()).isEqualTo(new Delivered(42, 2_600));
        assertThat(answer.epoch()).isEqualTo(over.epoch());
        assertThat(manager.history("kitchen", 10)).isEmpty();
    }

    @Test
    void speechOnADeviceWithNothingToInterruptIsIgnored() {
        assertThat(partial("stop", 200).rule()).isEqualTo(SpeechRule.IDLE);
        Session ended = manager.openSession("kitchen");
        manager.endSession(ended.sessionId());
        SpeechOutcome outcome = partial("stop right there", 400);
        assertThat(outcome.decision()).isEqualTo(SpeechDecision.IGNORED);
        assertThat(outcome.rule()).isEqualTo(SpeechRule.IDLE);
        assertThat(manager.history("kitchen", 10)).isEmpty();
    }

    @Test
    void aFinalEndsTheUtteranceSoTheNextOneInterruptsTheNextTurn() {
        manager.openSession("kitchen");
        assertThat(fin("stop", 300).decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        Session next = manager.openSession("kitchen");

        assertThat(partial("wait", 150).decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(next.isInterrupted()).isTrue();
        assertThat(manager.history("kitchen", 10)).hasSize(2);
    }

    @Test
    void soundThatBeganAfterTheInterruptIsANewUtteranceWhenTheDetectorNeverSaidFinal() {
        manager.openSession("kitchen");
        assertThat(partial("stop", 900).decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        Session next = manager.openSession("kitchen");
        clock.advance(java.time.Duration.ofSeconds(1)); // the next sound began after the interrupt

        assertThat(partial("cancel", 200).decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(next.isInterrupted()).isTrue();
    }

    @Test
    void aSessionThatNamesAPolicyDecidesItsDevicesSpeechWithIt() {
        manager.openSession("kitchen", null, null, false, "eager");

        SpeechOutcome outcome = partial("hello", 300);

        assertThat(outcome.policy()).isEqualTo("eager");
        assertThat(outcome.decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(outcome.rule()).isEqualTo(SpeechRule.MIN_WORDS);
    }

    @Test
    void anUnknownPolicyIsRefusedAndOpensNothing() {
        assertThatThrownBy(() -> manager.openSession("kitchen", "s-1", null, false, "loud"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT));
        assertThat(manager.session("s-1")).isEmpty();
        assertThat(manager.activeSessions()).isZero();
    }

    @Test
    void aNonInterruptibleSectionStillWinsOverSpeech() {
        Session answer = manager.openSession("kitchen");
        Session.Section section = answer.nonInterruptible();

        SpeechOutcome outcome = partial("stop", 200);

        assertThat(outcome.decision()).isEqualTo(SpeechDecision.INTERRUPTED);
        assertThat(answer.isInterrupted()).isFalse();
        section.close();
        assertThat(answer.isInterrupted()).isTrue();
    }

    @Test
    void everyDecisionIsToldToListenersWithItsRuleAndPolicy() {
        manager.openSession("kitchen");
        partial("", 40);
        partial("", 200);
        fin("", 230);

        assertThat(decided)
                .extracting(o -> o.decision() + " " + o.rule().tag() + " " + o.policy())
                .containsExactly("IGNORED too-short default", "PAUSED sound default", "RESUMED empty default");
    }

    @RepeatedTest(10)
    void partialsOfOneUtteranceRacingEachOtherInterruptOnce() throws Exception {
        manager.openSession("kitchen");
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<SpeechOutcome>> outcomes = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long ms = 600 + t;
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return partial("I think that we", ms);
                }));
            }
            start.countDown();
            int interrupted = 0;
            for (Future<SpeechOutcome> f : outcomes) {
                if (f.get(10, TimeUnit.SECONDS).decision() == SpeechDecision.INTERRUPTED) {
                    interrupted++;
                }
            }
            assertThat(interrupted).isEqualTo(1);
            assertThat(manager.history("kitchen", 10)).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
