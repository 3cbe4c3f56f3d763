package io.interrupthub.web;

import java.nio.charset.StandardCharsets;

import io.interrupthub.autoconfigure.InterruptApiProperties;
import io.interrupthub.core.InterruptManager;
import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The live console: its page at {@code /}, and the few settings its scripts cannot learn from the API.
 * The scripts themselves are static resources under {@code /console/}. None of this is an API path, so it
 * is reachable without an API key; every call the page makes to the API carries the key the operator
 * typed in. Hidden from the OpenAPI document, which describes the API only.
 */
@Hidden
@Controller
final class ConsolePage {

    static final String LOCATION = "classpath:/META-INF/interrupt-hub/console/";
    static final String ASSETS = LOCATION + "assets/";

    /**
     * Scripts and styles from this origin only, no inline code, no framing: text that reaches the page
     * from a device id or a reason can never run, even if a future change forgot to escape it.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    /** What the page needs to know before its first API call. */
    record Settings(String apiBasePath, String apiKeyHeader, boolean reference, long heartbeatMs, long flagTimeoutMs) {}

    private final Resource page;
    private final Settings settings;

    ConsolePage(
            ResourceLoader resources,
            InterruptWebProperties web,
            InterruptApiProperties api,
            InterruptEventsProperties events,
            InterruptManager manager,
            Environment environment) {
        this.page = resources.getResource(LOCATION + "index.html");
        this.settings = new Settings(
                web.basePath(),
                api.keyHeader(),
                environment.getProperty("interrupt.reference.enabled", Boolean.class, false),
                events.heartbeat().toMillis(),
                manager.settings().interruptTimeout().toMillis());
    }

    @GetMapping("/")
    ResponseEntity<Resource> page() {
        return ResponseEntity.ok()
                .contentType(HTML)
                .cacheControl(CacheControl.noCache())
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .body(page);
    }

    @GetMapping("/console/settings")
    ResponseEntity<Settings> settings() {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(settings);
    }
}
