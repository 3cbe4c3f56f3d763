package io.interrupthub.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PlainSecondsConverterTest {

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({
        "0.1, 100", "5.0, 5000", "300, 300000", "2.0, 2000", "0.0015, 1.5",
        "100ms, 100", "5s, 5000", "2m, 120000", "PT5S, 5000", "' 5.0 ', 5000"
    })
    void plainNumbersAreSecondsAndUnitsKeepSpringsMeaning(String text, double millis) {
        assertThat(PlainSecondsConverter.parse(text)).isEqualTo(Duration.ofNanos(Math.round(millis * 1_000_000)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "5 seconds", "1.5.0", "0.0000000001", "ms"})
    void textThatIsNoDurationIsRejectedWithTheAcceptedForms(String text) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PlainSecondsConverter.parse(text))
                .withMessageContaining(text.trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-0.5", "-5s"})
    void negativeValuesParseSoThatValidationCanNameTheVariable(String text) {
        assertThat(PlainSecondsConverter.parse(text)).isNegative();
    }
}
