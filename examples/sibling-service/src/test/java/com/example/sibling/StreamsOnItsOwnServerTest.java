package com.example.sibling;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library imposes no server: this application chose Tomcat (spring-boot-starter-webmvc's), keeps it although
 * the service itself runs on Jetty, and the hub's event stream works on it — greeted, then the interrupt of its
 * device pushed as it happens.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StreamsOnItsOwnServerTest {

    @LocalServerPort
    int port;

    @Autowired
    WebServerApplicationContext context;

    @Test
    void onTheTomcatItChoseTheEventStreamIsGreetedAndPushesTheInterruptOfItsDevice() throws Exception {
        assertThat(context.getWebServer())
                .as("the server this application chose")
                .isInstanceOf(TomcatWebServer.class);
        assertThat(ClassUtils.isPresent("org.eclipse.jetty.server.Server", null))
                .as("the library brought no server of its own (the service's Jetty)")
                .isFalse();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<java.io.InputStream> stream = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/interrupts/events?hardwareId=den-3"))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo(":connected");
            CompletableFuture<String> interruptEvent = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.equals("event:interrupt")) {
                            return line;
                        }
                    }
                    return null;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            HttpResponse<String> interrupt = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/interrupt/den-3"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(interrupt.statusCode()).isEqualTo(200);
            assertThat(interruptEvent.get(30, TimeUnit.SECONDS)).isEqualTo("event:interrupt");
        }
    }
}
