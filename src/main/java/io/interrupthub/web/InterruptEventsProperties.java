package io.interrupthub.web;

import java.time.Duration;

import io.interrupthub.autoconfigure.PlainSeconds;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Server-Sent Events stream {@code GET /interrupts/events}, {@code interrupt.events.*}.
 *
 * @param maxStreams    open streams at once; one more is answered 503 with {@code Retry-After}. 4096 in the library,
 *                      what a 1 GiB heap carries with half of it left on Tomcat, where a stream keeps about 100 KiB of
 *                      the server's buffers (an embedding application keeps the server it chose); the service, on
 *                      Jetty, sets 32,768 (about 14 KiB a stream: docs/BENCHMARKS.md, section 5). Raise it with the
 *                      heap, and the server's connection limit with it
 * @param bufferSize    recent events kept so a reconnecting client resumes with {@code Last-Event-ID}
 * @param heartbeat     a comment on idle streams this often, so proxies keep them and dead clients are found
 * @param streamTimeout a stream is closed after this; clients reconnect and resume
 * @param queueCapacity events waiting to be sent; beyond it they are dropped and subscribers told of the gap
 */
@ConfigurationProperties("interrupt.events")
@Validated
public record InterruptEventsProperties(
        @DefaultValue("4096") @Min(1) @Max(100_000) int maxStreams,
        @DefaultValue("1024") @Min(1) @Max(1_000_000) int bufferSize,

        @DefaultValue("15s") @PlainSeconds @NotNull @DurationMin(millis = 10, message = "must be at least 10ms")
        Duration heartbeat,

        @DefaultValue("30m") @PlainSeconds @NotNull @DurationMin(seconds = 1, message = "must be at least 1s")
        Duration streamTimeout,

        @DefaultValue("65536") @Min(16) @Max(10_000_000) int queueCapacity) {}
