package io.interrupthub.core;

import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The id check accepts exactly what the documented pattern {@link HardwareIds#PATTERN} describes. */
class HardwareIdsTest {

    private static final Pattern DOCUMENTED = Pattern.compile(HardwareIds.PATTERN);
    /** Every allowed character, the neighbours of each allowed range, and a few that look alike. */
    private static final String ALPHABET = "azAZ09mM5._:-/`{@[\\^!~ \t\n\r\u0000\u00e9\u0430\u0661\uff21\u200b";

    @Test
    void acceptsExactlyWhatThePatternMatches() {
        Random random = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(10) == 0 ? 120 + random.nextInt(12) : random.nextInt(8);
            StringBuilder id = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                id.append(ALPHABET.charAt(random.nextInt(random.nextBoolean() ? 14 : ALPHABET.length())));
            }
            String candidate = id.toString();
            boolean expected = DOCUMENTED.matcher(candidate).matches();
            assertThat(HardwareIds.isValid(candidate)).as("'%s'", candidate).isEqualTo(expected);
            if (expected) {
                accepted++;
            }
        }
        assertThat(accepted).as("the generated ids include valid ones").isGreaterThan(10_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "7", "kitchen-speaker-7", "a.b_c:d-e", "0-"})
    void acceptsDocumentedShapes(String id) {
        assertThat(HardwareIds.isValid(id)).isTrue();
        assertThat(HardwareIds.isValid(id + "x".repeat(128 - id.length())))
                .as("at 128 characters")
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", ".a", "_a", ":a", "a b", "a/b", "a\n", "\u00e9t\u00e9", "a\u0000"})
    void refusesOtherShapes(String id) {
        assertThat(HardwareIds.isValid(id)).isFalse();
    }

    @Test
    void refusesNullAndTooLong() {
        assertThat(HardwareIds.isValid(null)).isFalse();
        assertThat(HardwareIds.isValid("a".repeat(129))).isFalse();
    }
}
