package io.interrupthub.core;

import java.time.Duration;

final class Durations {

    private Durations() {}

    /** Nanoseconds as milliseconds rounded to a microsecond, the precision results report. */
    static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    static String seconds(Duration duration) {
        return java.math.BigDecimal.valueOf(duration.toNanos(), 9)
                        .stripTrailingZeros()
                        .toPlainString() + " s";
    }
}
