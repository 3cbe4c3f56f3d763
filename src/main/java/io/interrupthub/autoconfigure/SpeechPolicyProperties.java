package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.interrupthub.core.SpeechPolicies;
import io.interrupthub.core.SpeechPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The speech policies ({@code interrupt.policies.<name>.*}) that decide {@code POST /devices/{hardwareId}/speech}.
 * A device uses {@code default} unless its latest session named another ({@code "policy": "<name>"}). The policy
 * {@code default} exists without configuration; its settings can be changed like any other's. Lists are given per
 * language ({@code interrupt.policies.default.keywords.en=stop,wait}) and matched in every language: a language
 * given replaces that language's list, the others keep their defaults.
 */
@ConfigurationProperties("interrupt")
public class SpeechPolicyProperties {

    /** The policies by name; {@code default} is always among them. */
    private Map<String, Policy> policies = new LinkedHashMap<>();

    /** The core's policies: {@code default} at its defaults unless configured. */
    public SpeechPolicies toPolicies() {
        List<SpeechPolicy> built = new ArrayList<>();
        policies.forEach((name, policy) -> {
            try {
                built.add(policy.toPolicy(name));
            } catch (IllegalArgumentException e) {
                throw new InterruptConfigurationException("interrupt.policies." + name, e.getMessage(), e);
            }
        });
        return SpeechPolicies.of(built);
    }

    public Map<String, Policy> getPolicies() {
        return policies;
    }

    public void setPolicies(Map<String, Policy> policies) {
        this.policies = policies;
    }

    /** One speech policy. */
    public static class Policy {

        /**
         * Phrases that interrupt at once whatever else is said, by language (defaults: en stop, wait, cancel, hold
         * on, enough, be quiet, shut up, pause; ru стоп, подожди, погоди, хватит, стой, отмена, замолчи, достаточно).
         */
        private Map<String, List<String>> keywords = new LinkedHashMap<>(SpeechPolicy.DEFAULT_KEYWORDS);

        /**
         * Phrases a listener says without taking the turn, by language: an utterance made only of them never
         * interrupts (defaults: en uh-huh, mm-hmm, yeah, okay, right, i see …; ru угу, ага, да, да-да, ясно …).
         */
        private Map<String, List<String>> backchannels = new LinkedHashMap<>(SpeechPolicy.DEFAULT_BACKCHANNELS);

        /** Words a partial transcript needs to interrupt; fewer pause the device until more words decide. */
        private int minWords = SpeechPolicy.DEFAULT_MIN_WORDS;

        /** Sound with no words yet that pauses the device (a tentative interrupt); shorter sound is ignored. */
        private Duration pauseAfter = SpeechPolicy.DEFAULT_PAUSE_AFTER;

        SpeechPolicy toPolicy(String name) {
            return SpeechPolicy.builder(name)
                    .keywords(keywords)
                    .backchannels(backchannels)
                    .minWords(minWords)
                    .pauseAfter(pauseAfter)
                    .build();
        }

        public Map<String, List<String>> getKeywords() {
            return keywords;
        }

        public void setKeywords(Map<String, List<String>> keywords) {
            this.keywords = keywords;
        }

        public Map<String, List<String>> getBackchannels() {
            return backchannels;
        }

        public void setBackchannels(Map<String, List<String>> backchannels) {
            this.backchannels = backchannels;
        }

        public int getMinWords() {
            return minWords;
        }

        public void setMinWords(int minWords) {
            this.minWords = minWords;
        }

        public Duration getPauseAfter() {
            return pauseAfter;
        }

        public void setPauseAfter(Duration pauseAfter) {
            this.pauseAfter = pauseAfter;
        }
    }
}
