package io.interrupthub.reliability;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.interrupthub.InterruptHubApplication;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The one server both HTTP reliability classes share (same properties, so Spring's test context cache starts
 * it once). Small caps so load shedding is reachable; the background sweep is pushed out to an hour, and
 * so is a flag's life ({@code INTERRUPT_TIMEOUT}; every module here answers at once, so its other use, the
 * module timeout, never comes into play), so {@code /interrupts/stats} and flags only change when a request
 * changes them, which lets every rejected request be checked for leaving the state exactly as it was.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "MAX_ACTIVE_SESSIONS=20",
            "interrupt.sweep-interval=1h",
            "INTERRUPT_TIMEOUT=3600",
            "interrupt.events.max-streams=3",
            "interrupt.events.heartbeat=200ms",
            "interrupt.reference.enabled=true",
            "interrupt.reference.max-streams=2",
            "LOG_INTERRUPTS=false"
        })
@interface ReliabilityServer {
    int MAX_ACTIVE_SESSIONS = 20;
    int MAX_EVENT_STREAMS = 3;
    int MAX_REFERENCE_STREAMS = 2;
}
