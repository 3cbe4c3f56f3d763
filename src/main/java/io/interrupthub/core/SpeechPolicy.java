package io.interrupthub.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which sounds on a device interrupt its assistant: a fixed list of rules over what a detector heard so far.
 * Keywords win at once; an utterance made only of backchannels never interrupts; a partial interrupts once it
 * holds {@code minWords} words; fewer words, or sound of {@code pauseAfter} with no words yet, pause the device
 * until more words (or the end of the utterance) decide. Phrases are given per language and matched in all of
 * them, as whole words, case-insensitively. Immutable; {@link #decide} is a pure function. Build one with
 * {@link #builder(String)}.
 */
public final class SpeechPolicy {

    /** The policy every device uses unless its session names another. */
    public static final String DEFAULT_NAME = "default";

    /** Words that stop the assistant whatever else is said. */
    public static final Map<String, List<String>> DEFAULT_KEYWORDS = Map.of(
            "en", List.of("stop", "wait", "cancel", "hold on", "enough", "be quiet", "shut up", "pause"),
            "ru", List.of("стоп", "подожди", "погоди", "хватит", "стой", "отмена", "замолчи", "достаточно"));

    /** What a listener says to show it listens: never an interruption. */
    public static final Map<String, List<String>> DEFAULT_BACKCHANNELS = Map.of(
            "en",
            List.of(
                    "uh-huh", "mm-hmm", "mhm", "hmm", "mm", "uh", "um", "ah", "oh", "yeah", "yep", "yes", "okay", "ok",
                    "right", "sure", "i see", "got it"),
            "ru",
            List.of("угу", "ага", "да", "да-да", "ну", "ясно", "понятно", "хорошо", "ок", "ммм", "мм", "м-м"));

    /** Three words: enough to be a sentence, more than a backchannel and a filler. */
    public static final int DEFAULT_MIN_WORDS = 3;

    /** 150 ms of sound: past a click or a breath, the earliest a voice activity detector is sure. */
    public static final Duration DEFAULT_PAUSE_AFTER = Duration.ofMillis(150);

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:['’\\-][\\p{L}\\p{N}]+)*");

    private final String name;
    private final Map<String, List<String>> keywords;
    private final Map<String, List<String>> backchannels;
    private final int minWords;
    private final Duration pauseAfter;
    /** The phrases split into words once, so that a decision only compares words. */
    private final Phrases keywordWords;

    private final Phrases backchannelWords;

    private SpeechPolicy(
            String name,
            Map<String, List<String>> keywords,
            Map<String, List<String>> backchannels,
            int minWords,
            Duration pauseAfter) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a speech policy needs a name");
        }
        this.name = name;
        this.keywords = phrases(keywords, "keywords");
        this.backchannels = phrases(backchannels, "backchannels");
        this.keywordWords = split(this.keywords);
        this.backchannelWords = split(this.backchannels);
        this.minWords = minWords;
        this.pauseAfter = pauseAfter;
        if (minWords < 1) {
            throw new IllegalArgumentException("minWords must be at least 1, was " + minWords);
        }
        if (pauseAfter == null || pauseAfter.isNegative()) {
            throw new IllegalArgumentException("pauseAfter must not be negative, was " + pauseAfter);
        }
    }

    /** How sessions and metrics name it. */
    public String name() {
        return name;
    }

    /** Phrases that interrupt at once, by language. */
    public Map<String, List<String>> keywords() {
        return keywords;
    }

    /** Phrases a listener says without taking the turn, by language. */
    public Map<String, List<String>> backchannels() {
        return backchannels;
    }

    /** Words a partial needs to interrupt. */
    public int minWords() {
        return minWords;
    }

    /** Sound with no words that pauses the device. */
    public Duration pauseAfter() {
        return pauseAfter;
    }

    /** The policy {@code default}: every setting at its {@code DEFAULT_*} value. */
    public static SpeechPolicy defaults() {
        return builder(DEFAULT_NAME).build();
    }

    /** A builder for a policy named {@code name}, starting from the defaults. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Decides one report: the rule that applies first, and what it does given whether the device is paused now.
     * The hub's own rules (a device not speaking, an utterance that already interrupted) are applied by the caller.
     */
    public Verdict decide(SpeechReport report, boolean paused) {
        List<String> words = words(report.transcript());
        if (containsAny(words, keywordWords)) {
            return new Verdict(SpeechDecision.INTERRUPTED, SpeechRule.KEYWORD);
        }
        boolean backchannel = !words.isEmpty() && madeOf(words, backchannelWords);
        if (report.isFinal() && (words.isEmpty() || backchannel)) {
            SpeechRule rule = words.isEmpty() ? SpeechRule.EMPTY : SpeechRule.BACKCHANNEL;
            return new Verdict(paused ? SpeechDecision.RESUMED : SpeechDecision.IGNORED, rule);
        }
        if (backchannel) {
            return new Verdict(SpeechDecision.IGNORED, SpeechRule.BACKCHANNEL);
        }
        if (report.isFinal()) {
            return new Verdict(SpeechDecision.INTERRUPTED, SpeechRule.FINAL_WORDS);
        }
        if (words.size() >= minWords) {
            return new Verdict(SpeechDecision.INTERRUPTED, SpeechRule.MIN_WORDS);
        }
        if (!words.isEmpty()) {
            return new Verdict(SpeechDecision.PAUSED, SpeechRule.FEW_WORDS);
        }
        if (report.speechMs() >= pauseAfter.toMillis()) {
            return new Verdict(SpeechDecision.PAUSED, SpeechRule.SOUND);
        }
        return new Verdict(SpeechDecision.IGNORED, SpeechRule.TOO_SHORT);
    }

    /** A decision and the rule that made it. */
    public record Verdict(SpeechDecision decision, SpeechRule rule) {}

    /** The words of a transcript, lower-cased: letters and digits, joined by an apostrophe or a hyphen. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            words.add(m.group().replace('’', '\''));
        }
        return words;
    }

    /** Phrases of one word in a set, the rest as word lists: most phrases are one word, found in one lookup. */
    private record Phrases(Set<String> single, List<List<String>> longer) {}

    private static boolean containsAny(List<String> words, Phrases phrases) {
        for (String word : words) {
            if (phrases.single().contains(word)) {
                return true;
            }
        }
        for (List<String> phrase : phrases.longer()) {
            if (Collections.indexOfSubList(words, phrase) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether the words split wholly into phrases of the lists ("uh-huh yeah", "i see"). */
    private static boolean madeOf(List<String> words, Phrases phrases) {
        boolean[] reachable = new boolean[words.size() + 1];
        reachable[0] = true;
        for (int i = 0; i < words.size(); i++) {
            if (!reachable[i]) {
                continue;
            }
            if (phrases.single().contains(words.get(i))) {
                reachable[i + 1] = true;
            }
            for (List<String> p : phrases.longer()) {
                int end = i + p.size();
                if (end <= words.size() && words.subList(i, end).equals(p)) {
                    reachable[end] = true;
                }
            }
        }
        return reachable[words.size()];
    }

    private static Phrases split(Map<String, List<String>> byLanguage) {
        Set<String> single = new HashSet<>();
        List<List<String>> longer = new ArrayList<>();
        byLanguage
                .values()
                .forEach(phrases -> phrases.forEach(phrase -> {
                    List<String> words = words(phrase);
                    if (words.size() == 1) {
                        single.add(words.get(0));
                    } else {
                        longer.add(List.copyOf(words));
                    }
                }));
        return new Phrases(Set.copyOf(single), List.copyOf(longer));
    }

    private static Map<String, List<String>> phrases(Map<String, List<String>> byLanguage, String what) {
        Objects.requireNonNull(byLanguage, what);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        byLanguage.forEach((language, phrases) -> {
            for (String phrase : phrases) {
                if (words(phrase).isEmpty()) {
                    throw new IllegalArgumentException(
                            what + " of language " + language + " holds a phrase without words: '" + phrase + "'");
                }
            }
            copy.put(language, List.copyOf(phrases));
        });
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public String toString() {
        return "SpeechPolicy[" + name + ", minWords=" + minWords + ", pauseAfter=" + pauseAfter + "]";
    }

    /** Builds a {@link SpeechPolicy}; what is not given keeps its {@code DEFAULT_*} value. */
    public static final class Builder {
        private final String name;
        private Map<String, List<String>> keywords = DEFAULT_KEYWORDS;
        private Map<String, List<String>> backchannels = DEFAULT_BACKCHANNELS;
        private int minWords = DEFAULT_MIN_WORDS;
        private Duration pauseAfter = DEFAULT_PAUSE_AFTER;

        private Builder(String name) {
            this.name = name;
        }

        public Builder keywords(Map<String, List<String>> value) {
            keywords = value;
            return this;
        }

        public Builder backchannels(Map<String, List<String>> value) {
            backchannels = value;
            return this;
        }

        public Builder minWords(int value) {
            minWords = value;
            return this;
        }

        public Builder pauseAfter(Duration value) {
            pauseAfter = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public SpeechPolicy build() {
            return new SpeechPolicy(name, keywords, backchannels, minWords, pauseAfter);
        }
    }
}
