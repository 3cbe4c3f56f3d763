package io.interrupthub.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The live console page, {@code interrupt.console.*}.
 *
 * @param enabled whether the console is served at {@code /} (INTERRUPT_CONSOLE_ENABLED); off unless asked for,
 *                so an application that embeds the library gets no page at its root. The service turns it on
 */
@ConfigurationProperties("interrupt.console")
public record InterruptConsoleProperties(
        @DefaultValue("false") boolean enabled) {}
