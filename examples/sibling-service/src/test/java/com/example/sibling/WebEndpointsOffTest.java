package com.example.sibling;

import io.interrupthub.core.InterruptManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** One property keeps Interrupt Hub's REST API out of the sibling; the manager still works. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "interrupt.web.enabled=false")
@AutoConfigureRestTestClient
class WebEndpointsOffTest {

    @Autowired
    RestTestClient client;

    @Autowired
    InterruptManager manager;

    @Autowired
    SpeechSynthesizer synthesizer;

    @Test
    void theInterruptApiIsAbsentButTheManagerInterrupts() {
        client.post().uri("/interrupt/kitchen-3").exchange().expectStatus().isNotFound();
        client.get().uri("/interrupts/stats").exchange().expectStatus().isNotFound();
        long epoch = manager.interruptAndWait("kitchen-3", "test").epoch();
        assertThat(synthesizer.lastStoppedEpoch("kitchen-3")).isEqualTo(epoch);
    }
}
