package io.interrupthub.web;

import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The REST API, {@code interrupt.web.*}.
 *
 * @param enabled       whether a servlet web application serves the API (and the console) at all
 * @param basePath      where the API's paths start: empty (the default) serves {@code /interrupt/{hardwareId}},
 *                      {@code /interrupts}, {@code /sessions} at the root; {@code /voice} serves
 *                      {@code /voice/interrupt/{hardwareId}} and so on, for an application that already has
 *                      such paths. Starts with a slash, does not end with one
 * @param problemErrors whether the application's own error page ({@code /error}) and the servlet container's
 *                      refusals answer as problem details too; off in an embedding application, which keeps its
 *                      own error handling, on in the service
 */
@ConfigurationProperties("interrupt.web")
@Validated
public record InterruptWebProperties(
        @DefaultValue("true") boolean enabled,

        @DefaultValue("")
        @Pattern(
                regexp = "^$|^(/[A-Za-z0-9._~-]+)+$",
                message = "must be empty or a path such as /voice (starting with /, not ending with /)")
        String basePath,

        @DefaultValue("false") boolean problemErrors) {

    /** The property the controllers' mappings read, so every path below moves with it. */
    static final String BASE_PATH = "${interrupt.web.base-path:}";
}
