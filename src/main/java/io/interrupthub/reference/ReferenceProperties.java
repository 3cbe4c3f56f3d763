package io.interrupthub.reference;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The reference voice pipeline ({@code interrupt.reference.*}, or {@code INTERRUPT_REFERENCE_ENABLED=true}).
 *
 * @param enabled          off by default: it adds four demonstration modules to every interrupt
 * @param chunksPerSecond  how fast a stream sends words, unless the request says {@code ?rate=}
 * @param words            how many words one answer has
 * @param maxStreams       reference streams open at once; one more is answered 503
 */
@ConfigurationProperties("interrupt.reference")
@Validated
public record ReferenceProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("10") @Min(1) @Max(1000) int chunksPerSecond,
        @DefaultValue("120") @Min(1) @Max(100_000) int words,
        @DefaultValue("64") @Min(1) @Max(10_000) int maxStreams) {}
