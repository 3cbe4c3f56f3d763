package io.interrupthub.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.ConditionalGenericConverter;

/** Reads {@link PlainSeconds} properties: a plain decimal number is seconds, anything else is Spring's syntax. */
public final class PlainSecondsConverter implements ConditionalGenericConverter {

    private static final Pattern DECIMAL_SECONDS = Pattern.compile("^[+-]?\\d+(\\.\\d+)?$");

    @Override
    public Set<ConvertiblePair> getConvertibleTypes() {
        return Set.of(new ConvertiblePair(String.class, Duration.class));
    }

    @Override
    public boolean matches(TypeDescriptor sourceType, TypeDescriptor targetType) {
        return targetType.hasAnnotation(PlainSeconds.class);
    }

    @Override
    public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
        return source == null ? null : parse((String) source);
    }

    /** @throws IllegalArgumentException naming the accepted forms */
    public static Duration parse(String text) {
        String value = text.trim();
        if (value.isEmpty()) {
            return null;
        }
        if (DECIMAL_SECONDS.matcher(value).matches()) {
            BigDecimal nanos = new BigDecimal(value).movePointRight(9);
            if (nanos.stripTrailingZeros().scale() > 0) {
                throw new IllegalArgumentException("'" + text + "' has more precision than a nanosecond");
            }
            return Duration.ofNanos(nanos.longValueExact());
        }
        try {
            return DurationStyle.detectAndParse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration: use seconds such as 0.1, 5.0, 300 or a unit such as 100ms, 5s",
                    e);
        }
    }
}
