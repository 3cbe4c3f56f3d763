package com.example.sibling;

import java.util.List;
import java.util.Map;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.ModuleInfo;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class SiblingApplicationTest {

    @Autowired
    RestTestClient client;

    @Autowired
    InterruptManager manager;

    @Autowired
    SpeechSynthesizer synthesizer;

    @Autowired
    TextGenerator text;

    @Test
    void theSiblingsOwnModulesAreRegisteredWithTheirActions() {
        assertThat(manager.modules())
                .extracting(ModuleInfo::module)
                .containsExactlyInAnyOrder("session_management", "audio_generation", "text_processing");
        assertThat(manager.modules())
                .filteredOn(m -> m.module().equals("text_processing"))
                .singleElement()
                .satisfies(m -> assertThat(m.actions()).containsExactly("cancel_generation", "clear_buffers"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void postInterruptCallsTheSiblingsOwnModules() {
        text.buffer("kitchen-1", "Once upon a time");
        Map<String, Object> result = client.post()
                .uri("/interrupt/kitchen-1")
                .contentType(MediaType.APPLICATION_JSON)
                .body("{\"reason\": \"user_barge_in\"}")
                .exchange()
                .expectStatus()
                .isOk()
                .returnResult(Map.class)
                .getResponseBody();

        long epoch = ((Number) result.get("epoch")).longValue();
        assertThat(result.get("success")).isEqualTo(true);
        assertThat((List<Map<String, Object>>) result.get("modules"))
                .extracting(m -> m.get("module") + ":" + m.get("outcome"))
                .containsExactlyInAnyOrder("session_management:OK", "audio_generation:OK", "text_processing:OK");
        assertThat(synthesizer.lastStoppedEpoch("kitchen-1")).isEqualTo(epoch);
        assertThat(text.lastCancelledEpoch("kitchen-1")).isEqualTo(epoch);
        assertThat(text.buffered("kitchen-1")).isEmpty();
    }

    @Test
    void theInjectedManagerStopsAStreamingLoopAtOnce() {
        var session = manager.openSession("kitchen-2");
        manager.interruptAndWait("kitchen-2", "user_barge_in");
        assertThat(session.isInterrupted()).isTrue();
        assertThat(synthesizer.lastStoppedEpoch("kitchen-2"))
                .isEqualTo(session.interruptCause().orElseThrow().epoch());
    }

    @Test
    void healthReportsTheManager() {
        client.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.interrupts.status")
                .isEqualTo("UP");
    }
}
