package io.interrupthub.web;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import io.interrupthub.InterruptHubApplication;
import io.interrupthub.core.ClusterLink;
import io.interrupthub.core.InterruptManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.client.RestTestClient;
import tools.jackson.databind.JsonNode;

import static io.interrupthub.web.ApiHttp.assertJson;
import static io.interrupthub.web.ApiHttp.assertProblem;
import static io.interrupthub.web.ApiHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A commit the cluster cannot order against interrupts right now (Redis slow, failing over or gone) is answered
 * 503 with Retry-After, so a caller can tell "retry" from "never": 409 stays for an interrupt that happened.
 */
@SpringBootTest(
        classes = InterruptHubApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "interrupt.history-size=99") // a context of its own: this test attaches a cluster link
@AutoConfigureRestTestClient
class CommitUnavailableApiTest {

    @Autowired
    private RestTestClient client;

    @Autowired
    private InterruptManager manager;

    private ApiHttp http;
    private volatile OptionalLong clusterEpoch = OptionalLong.empty();

    @BeforeEach
    void setUp() {
        http = new ApiHttp(client);
        manager.attach(new ClusterLink() {
            @Override
            public CompletableFuture<OptionalLong> commitEpoch(String hardwareId) {
                return CompletableFuture.completedFuture(clusterEpoch);
            }

            @Override
            public boolean commitsNeedTheCluster() {
                return true;
            }
        });
    }

    @AfterEach
    void detach() {
        manager.attach(ClusterLink.LOCAL);
    }

    @Test
    void aCommitTheClusterCannotOrderIs503WithRetryAfterAndNothingIsCommitted() {
        String sessionId = open(unique("unordered"));

        ApiHttp.Reply reply = http.postJson("{\"action\": \"send_email\"}", "/sessions/{id}/commit", sessionId);

        JsonNode problem = assertProblem(reply, 503, "Service Unavailable", "/sessions/" + sessionId + "/commit");
        assertThat(reply.headers().getFirst("Retry-After")).isEqualTo("1");
        assertThat(problem.get("detail").stringValue()).contains("retry").doesNotContain("interrupted");
        assertThat(assertJson(http.get("/sessions/{id}", sessionId), 200).has("commits"))
                .as("nothing committed")
                .isFalse();

        // Once the cluster answers again, the same request commits.
        clusterEpoch = OptionalLong.of(0);
        assertJson(http.postJson("{\"action\": \"send_email\"}", "/sessions/{id}/commit", sessionId), 200);
    }

    private String open(String hardwareId) {
        return assertJson(http.postJson("{\"hardwareId\": \"" + hardwareId + "\"}", "/sessions"), 201)
                .get("sessionId")
                .stringValue();
    }
}
