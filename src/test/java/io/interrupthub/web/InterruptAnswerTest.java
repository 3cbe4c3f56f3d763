package io.interrupthub.web;

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

    @Test
    void withoutWaitingTheAnswerIs202WithTheEpochWhileTheModuleRuns() {
        String hw = unique("slow-nowait");

        JsonNode accepted = assertJson(http.post("/interrupt/{id}?wait=false", hw), 202);

        assertThat(accepted.get("hardwareId").stringValue()).isEqualTo(hw);
        assertThat(accepted.get("epoch").longValue()).isPositive();
    }
}
