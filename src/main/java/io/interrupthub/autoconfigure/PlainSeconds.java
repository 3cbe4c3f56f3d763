package io.interrupthub.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code Duration} property that takes plain seconds ({@code 0.1}, {@code 5.0}, {@code 300}), as the
 * service's environment variables always have, as well as Spring's forms ({@code 100ms}, {@code 5s},
 * {@code PT5S}). Only marked properties read a bare number as seconds, so other libraries' durations keep
 * Spring's rule (a bare number is milliseconds).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PlainSeconds {}
