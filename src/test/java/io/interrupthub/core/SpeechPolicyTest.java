package io.interrupthub.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each rule of the default policy, in its order, and every phrase of its default lists in both languages. */
class SpeechPolicyTest {

    private final SpeechPolicy policy = SpeechPolicy.defaults();

    private SpeechPolicy.Verdict partial(String transcript, long ms) {
        return policy.decide(new SpeechReport(transcript, ms, false), false);
    }

    private SpeechPolicy.Verdict fin(String transcript, boolean paused) {
        return policy.decide(new SpeechReport(transcript, 600, true), paused);
    }

    static Stream<Arguments> keywords() {
        return SpeechPolicy.DEFAULT_KEYWORDS.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(k -> Arguments.of(e.getKey(), k)));
    }

    static Stream<Arguments> backchannels() {
        return SpeechPolicy.DEFAULT_BACKCHANNELS.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(b -> Arguments.of(e.getKey(), b)));
    }

    @ParameterizedTest(name = "{0}: \"{1}\"")
    @MethodSource("keywords")
    void everyDefaultKeywordInterruptsAtOnceEvenAsTheFirstWordOfAPartial(String language, String keyword) {
        assertThat(partial(keyword, 100)).isEqualTo(verdict(SpeechDecision.INTERRUPTED, SpeechRule.KEYWORD));
        assertThat(partial("uh " + keyword.toUpperCase() + "!", 100).rule()).isEqualTo(SpeechRule.KEYWORD);
        assertThat(fin("okay " + keyword, true).decision()).isEqualTo(SpeechDecision.INTERRUPTED);
    }

    @ParameterizedTest(name = "{0}: \"{1}\"")
    @MethodSource("backchannels")
    void everyDefaultBackchannelIsIgnoredWhileSpeakingAndResumesAPause(String language, String backchannel) {
        assertThat(partial(backchannel, 400)).isEqualTo(verdict(SpeechDecision.IGNORED, SpeechRule.BACKCHANNEL));
        assertThat(fin(backchannel, false)).isEqualTo(verdict(SpeechDecision.IGNORED, SpeechRule.BACKCHANNEL));
        assertThat(fin(backchannel, true)).isEqualTo(verdict(SpeechDecision.RESUMED, SpeechRule.BACKCHANNEL));
    }

    @Test
    void backchannelsMayBeRepeatedCombinedAndPunctuated() {
        assertThat(fin("Uh-huh, yeah. Okay!", false).rule()).isEqualTo(SpeechRule.BACKCHANNEL);
        assertThat(fin("Угу, да-да", false).rule()).isEqualTo(SpeechRule.BACKCHANNEL);
        assertThat(fin("I see", false).rule()).isEqualTo(SpeechRule.BACKCHANNEL);
        assertThat(partial("mm-hmm mm-hmm mm-hmm", 900).rule()).isEqualTo(SpeechRule.BACKCHANNEL);
    }

    @Test
    void aFinalUtteranceWithoutWordsResumesAPauseOrIsIgnored() {
        assertThat(fin("", true)).isEqualTo(verdict(SpeechDecision.RESUMED, SpeechRule.EMPTY));
        assertThat(fin("  ...  ", false)).isEqualTo(verdict(SpeechDecision.IGNORED, SpeechRule.EMPTY));
    }

    @Test
    void aPartialWithMinWordsInterrupts() {
        assertThat(partial("I think that", 700)).isEqualTo(verdict(SpeechDecision.INTERRUPTED, SpeechRule.MIN_WORDS));
        assertThat(partial("Я думаю что", 700)).isEqualTo(verdict(SpeechDecision.INTERRUPTED, SpeechRule.MIN_WORDS));
        assertThat(partial("yeah yeah but", 700).rule()).isEqualTo(SpeechRule.MIN_WORDS);
    }

    @Test
    void aFinalUtteranceWithWordsThatAreNoBackchannelInterrupts() {
        assertThat(fin("what?", false)).isEqualTo(verdict(SpeechDecision.INTERRUPTED, SpeechRule.FINAL_WORDS));
        assertThat(fin("что?", true)).isEqualTo(verdict(SpeechDecision.INTERRUPTED, SpeechRule.FINAL_WORDS));
    }

    @Test
    void aPartialWithFewerWordsPausesUntilMoreWordsDecide() {
        assertThat(partial("I", 200)).isEqualTo(verdict(SpeechDecision.PAUSED, SpeechRule.FEW_WORDS));
        assertThat(partial("I think", 400)).isEqualTo(verdict(SpeechDecision.PAUSED, SpeechRule.FEW_WORDS));
        assertThat(partial("Я", 30).decision()).isEqualTo(SpeechDecision.PAUSED);
    }

    @Test
    void soundWithoutWordsPausesFromPauseAfterAndIsIgnoredBefore() {
        assertThat(partial("", 150)).isEqualTo(verdict(SpeechDecision.PAUSED, SpeechRule.SOUND));
        assertThat(partial("", 149)).isEqualTo(verdict(SpeechDecision.IGNORED, SpeechRule.TOO_SHORT));
    }

    @Test
    void wordsAreWholeWordsSoAKeywordInsideAnotherWordDoesNotCount() {
        assertThat(partial("stopwatch", 300).rule()).isEqualTo(SpeechRule.FEW_WORDS);
        assertThat(partial("unstoppable", 300).rule()).isEqualTo(SpeechRule.FEW_WORDS);
        assertThat(partial("hold", 300).rule()).isEqualTo(SpeechRule.FEW_WORDS); // "hold on" needs both words
        assertThat(partial("hold on", 300).rule()).isEqualTo(SpeechRule.KEYWORD);
    }

    @Test
    void aConfiguredPolicyUsesItsOwnListsAndThresholds() {
        SpeechPolicy strict = SpeechPolicy.builder("kiosk")
                .keywords(Map.of("de", List.of("halt")))
                .backchannels(Map.of("de", List.of("ja", "genau")))
                .minWords(1)
                .pauseAfter(Duration.ofMillis(400))
                .build();
        assertThat(strict.decide(new SpeechReport("Halt!", 100, false), false).rule())
                .isEqualTo(SpeechRule.KEYWORD);
        assertThat(strict.decide(new SpeechReport("stop", 100, false), false).rule())
                .isEqualTo(SpeechRule.MIN_WORDS);
        assertThat(strict.decide(new SpeechReport("ja genau", 100, true), true).decision())
                .isEqualTo(SpeechDecision.RESUMED);
        assertThat(strict.decide(new SpeechReport("", 399, false), false).rule())
                .isEqualTo(SpeechRule.TOO_SHORT);
    }

    @Test
    void aPolicyThatCannotWorkIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> SpeechPolicy.builder("p").minWords(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minWords");
        assertThatThrownBy(() -> SpeechPolicy.builder("p")
                        .pauseAfter(Duration.ofMillis(-1))
                        .build())
                .hasMessageContaining("pauseAfter");
        assertThatThrownBy(() -> SpeechPolicy.builder("p")
                        .keywords(Map.of("en", List.of("!!")))
                        .build())
                .hasMessageContaining("keywords of language en");
    }

    @Test
    void aReportOutOfRangeIsInvalidInputNamingTheField() {
        assertThatThrownBy(() -> new SpeechReport("x".repeat(SpeechReport.MAX_TRANSCRIPT_CHARS + 1), 0, false))
                .isInstanceOf(InterruptHubException.class)
                .hasMessageContaining("transcript");
        assertThatThrownBy(() -> new SpeechReport("", -1, false)).hasMessageContaining("speechMs");
    }

    @Test
    void anUnknownPolicyNameIsInvalidInputListingTheKnownOnes() {
        SpeechPolicies policies =
                SpeechPolicies.of(List.of(SpeechPolicy.builder("kiosk").build()));
        assertThat(policies.require(null).name()).isEqualTo("default");
        assertThat(policies.require("kiosk").name()).isEqualTo("kiosk");
        assertThatThrownBy(() -> policies.require("loud"))
                .isInstanceOfSatisfying(
                        InterruptHubException.class,
                        e -> assertThat(e.kind()).isEqualTo(InterruptHubException.Kind.INVALID_INPUT))
                .hasMessageContaining("default, kiosk");
    }

    private static SpeechPolicy.Verdict verdict(SpeechDecision decision, SpeechRule rule) {
        return new SpeechPolicy.Verdict(decision, rule);
    }
}
