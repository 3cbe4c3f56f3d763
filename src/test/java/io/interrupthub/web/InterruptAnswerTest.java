package io.interrupthub.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.elements;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code POST /interrupt/{id}} answers with the whole result whether the fan-out is still running when the
 * manager returns (a module that takes a while: the answer waits for it, asynchronously) or has already
 * finished (answered at once). The other web tests run without modules, so they take the second path.
 */
@SpringBootTest(
        classes = {InterruptHubApplication.class, InterruptAnswerTest.SlowModule.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
@AutoConfigureMockMvc
class InterruptAnswerTest {

    private static final long MODULE_MILLIS = 300;

    @TestConfiguration
    static class SlowModule {
        @Bean
        Interruptible slowTts() {
            return Interruptible.of("slow_tts", ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {
                Thread.sleep(MODULE_MILLIS);
            }));
        }
    }

    @Autowired
    private RestTestClient client;

    @LocalServerPort
    private int port;

    @Autowired
    private MockMvc mockMvc;

    @Autowired
    private InterruptManager manager;

    @Autowired
    private Interruptible slowTts;

    private ApiHttp http;

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
    }

    @Test
    void answerWaitsForAModuleStillRunningAndCarriesItsResult() {
        String hw = unique("slow-answer");

        JsonNode result = assertJson(http.postJson("{\"reason\": \"user_barge_in\"}", "/interrupt/{id}", hw), 200);

        assertThat(result.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(result.get("success").booleanValue()).isTrue();
        List<JsonNode> modules = elements(result.get("modules"));
        assertThat(modules)
                .extracting(m -> m.get("module").stringValue())
                .containsExactly("session_management", "slow_tts");
        assertThat(modules.get(1).get("outcome").stringValue()).isEqualTo("OK");
        assertThat(result.get("durationMs").doubleValue())
                .as("the answer came after the module finished")
                .isGreaterThanOrEqualTo(MODULE_MILLIS);
    }

    @Test
    void aFinishedFanOutIsAnsweredWithoutAsyncProcessingARunningOneWithIt() throws Exception {
        mockMvc.perform(post("/interrupt/{id}", unique("async-running")))
                .andExpect(request().asyncStarted());

        manager.unregister("slow_tts");
        try {
            mockMvc.perform(post("/interrupt/{id}", unique("async-finished")))
                    .andExpect(request().asyncNotStarted())
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.success").value(true));
        } finally {
            manager.register(slowTts);
        }
    }

    /**
     * An answer is sent whole, with its length, whether the fan-out was still running or had finished: a client
     * or proxy gets one complete response, not a chunked stream of unknown length (a flushed answer went out in
     * two writes).
     */
    @Test
    void theAnswerCarriesItsLengthWhetherTheFanOutRanOrHadFinished() throws Exception {
        HttpClient httpClient = HttpClient.newHttpClient();
        HttpResponse<String> waited = postInterrupt(httpClient, unique("length-running"));
        manager.unregister("slow_tts");
        HttpResponse<String> atOnce;
        try {
            atOnce = postInterrupt(httpClient, unique("length-finished"));
        } finally {
            manager.register(slowTts);
        }

        for (HttpResponse<String> answer : List.of(waited, atOnce)) {
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Transfer-Encoding")).isEmpty();
            assertThat(answer.headers().firstValueAsLong("Content-Length"))
                    .hasValue(answer.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(answer.body()).contains("\"success\":true");
        }
    }

    private HttpResponse<String> postInterrupt(HttpClient httpClient, String hardwareId) throws Exception {
        return httpClient.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/interrupt/" + hardwareId))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"user_barge_in\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutWaitingTheAnswerIs202WithTheEpochWhileTheModuleRuns() {
        String hw = unique("slow-nowait");

        JsonNode accepted = assertJson(http.post("/interrupt/{id}?wait=false", hw), 202);

        assertThat(accepted.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(accepted.get("epoch").longValue()).isPositive();
    }
}
