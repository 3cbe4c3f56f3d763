package io.interrupthub.web;

import java.util.List;

import io.interrupthub.InterruptHubApplication;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.fieldNames;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GLOBAL_INTERRUPT_ENABLED=false}: interrupt requests answer 503 and nothing changes. */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "GLOBAL_INTERRUPT_ENABLED=false")
@AutoConfigureRestTestClient
@DirtiesContext
class DisabledApiTest {

    @Autowired
    private RestTestClient client;

    private ApiHttp http;

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
    }

    @Test
    void interruptIs503Problem() {
        JsonNode problem = assertProblem(http.post("/interrupt/x"), 503, "Service Unavailable", "/interrupt/x");
        assertThat(problem.get("detail").stringValue()).contains("GLOBAL_INTERRUPT_ENABLED");

        String hw = unique("disabled");
        assertProblem(
                http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw),
                503,
                "Service Unavailable",
                "/interrupt/" + hw);
        assertProblem(http.post("/interrupt/{id}?wait=false", hw), 503, "Service Unavailable", "/interrupt/" + hw);
    }

    @Test
    void badInputIsStill400NotA503() {
        assertProblem(http.post("/interrupt/{id}", "bad id"), 400, "Bad Request", "/interrupt/bad%20id");
    }

    @Test
    void flagStaysDownAtEpochZero() {
        assertThat(http.post("/interrupt/x").status()).isEqualTo(503);

        JsonNode flag = assertJson(http.get("/interrupt/x"), 200);

        assertThat(fieldNames(flag)).containsExactlyInAnyOrder("hardwareId", "interrupted", "epoch", "checkIntervalMs");
        assertThat(flag.get("hardwareId").stringValue()).isEqualTo("x");
        assertThat(flag.get("interrupted").booleanValue()).isFalse();
        assertThat(flag.get("epoch").longValue()).isZero();
        assertThat(flag.get("checkIntervalMs").longValue()).isEqualTo(100);
    }

    @Test
    void refusedInterruptsLeaveNoTrace() {
        JsonNode before = stats();
        String hw = unique("disabled-stats");
        String sessionId = assertJson(http.postJson("{\"hardwareId\": \"" + hw + "\"}", "/sessions"), 201)
                .get("sessionId")
                .stringValue();
        try {
            assertThat(http.post("/interrupt/{id}", hw).status()).isEqualTo(503);
            assertThat(http.post("/interrupt/x").status()).isEqualTo(503);

            JsonNode stats = stats();
            assertThat(stats.get("enabled").isBoolean()).isTrue();
            assertThat(stats.get("enabled").booleanValue()).isFalse();
            JsonNode interrupts = stats.get("interrupts");
            assertThat(interrupts.get("succeeded").longValue()).isZero();
            assertThat(interrupts.get("failed").longValue()).isZero();
            assertThat(interrupts.get("coalesced").longValue()).isZero();
            // a refused request is counted as refused, and as nothing else
            assertThat(interrupts.get("rejected").longValue())
                    .isEqualTo(before.get("interrupts").get("rejected").longValue() + 2);
            assertThat(interrupts.get("total").longValue())
                    .isEqualTo(interrupts.get("rejected").longValue());
            for (JsonNode module : elements(stats.get("modules"))) {
                for (String outcome : List.of("ok", "failed", "timedOut", "disabled")) {
                    assertThat(module.get(outcome).longValue())
                            .as("%s %s", module.get("module"), outcome)
                            .isZero();
                }
            }
            assertThat(stats.get("flags").get("active").longValue()).isZero();
            assertThat(stats.get("latency").get("window").intValue()).isZero();
            assertThat(stats.get("sessions").get("interrupted").longValue()).isZero();

            assertThat(elements(assertJson(http.get("/interrupts"), 200))).isEmpty();
            assertThat(elements(assertJson(http.get("/interrupts?hardwareId={id}", hw), 200)))
                    .isEmpty();
            JsonNode session = assertJson(http.get("/sessions/{id}", sessionId), 200);
            assertThat(session.get("state").stringValue()).isEqualTo("ACTIVE");
            assertThat(session.has("interruptedAt")).isFalse();
            assertThat(assertJson(http.get("/interrupt/{id}", hw), 200)
                            .get("epoch")
                            .longValue())
                    .isZero();
        } finally {
            assertThat(http.delete("/sessions/{id}", sessionId).status()).isEqualTo(204);
        }
    }

    @Test
    void resetIsStillHarmless204() {
        assertThat(http.delete("/interrupt/{id}", unique("disabled-reset")).status())
                .isEqualTo(204);
    }

    private JsonNode stats() {
        return assertJson(http.get("/interrupts/stats"), 200);
    }
}
