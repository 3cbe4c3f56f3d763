package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.SpeechPolicy;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code interrupt.policies.<name>.*} become the manager's speech policies: {@code default} exists without
 * configuration, a language given replaces that language's list only, and a policy that cannot work stops
 * start-up with one line naming it.
 */
class SpeechPolicyPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterruptHubAutoConfiguration.class));

    @Test
    void withoutConfigurationOnlyTheDefaultPolicyExistsAtItsDefaults() {
        runner.run(context -> {
            InterruptManager manager = context.getBean(InterruptManager.class);
            assertThat(manager.speechPolicies().names()).containsExactly("default");
            SpeechPolicy policy = manager.speechPolicies().require("default");
            assertThat(policy.keywords()).isEqualTo(SpeechPolicy.DEFAULT_KEYWORDS);
            assertThat(policy.backchannels()).isEqualTo(SpeechPolicy.DEFAULT_BACKCHANNELS);
            assertThat(policy.minWords()).isEqualTo(3);
            assertThat(policy.pauseAfter()).isEqualTo(Duration.ofMillis(150));
            assertThat(manager.settings().recoveryDeadline()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void configuredPoliciesAreAddedAndTheDefaultCanBeTuned() {
        runner.withPropertyValues(
                        "interrupt.policies.default.min-words=2",
                        "interrupt.policies.kiosk.keywords.en=halt, freeze",
                        "interrupt.policies.kiosk.keywords.de=halt",
                        "interrupt.policies.kiosk.pause-after=300ms",
                        "interrupt.recovery-deadline=4")
                .run(context -> {
                    InterruptManager manager = context.getBean(InterruptManager.class);
                    assertThat(manager.speechPolicies().names()).containsExactly("default", "kiosk");
                    assertThat(manager.speechPolicies().require("default").minWords())
                            .isEqualTo(2);
                    SpeechPolicy kiosk = manager.speechPolicies().require("kiosk");
                    assertThat(kiosk.keywords().get("en")).containsExactly("halt", "freeze");
                    assertThat(kiosk.keywords().get("de")).containsExactly("halt");
                    assertThat(kiosk.keywords().get("ru")).isEqualTo(SpeechPolicy.DEFAULT_KEYWORDS.get("ru"));
                    assertThat(kiosk.pauseAfter()).isEqualTo(Duration.ofMillis(300));
                    assertThat(kiosk.minWords()).isEqualTo(3);
                    assertThat(manager.settings().recoveryDeadline()).isEqualTo(Duration.ofSeconds(4));
                });
    }

    @Test
    void aPolicyThatCannotWorkStopsStartUpWithOneLineNamingIt() {
        for (List<String> bad : List.of(
                List.of("interrupt.policies.kiosk.min-words=0", "minWords"),
                List.of("interrupt.policies.kiosk.keywords.en=!!", "keywords of language en"))) {
            runner.withPropertyValues(bad.get(0)).run(context -> {
                assertThat(context).hasFailed();
                FailureAnalysis analysis =
                        new InterruptConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
                assertThat(analysis).as(bad.get(0)).isNotNull();
                assertThat(analysis.getDescription())
                        .startsWith("interrupt.policies.kiosk: ")
                        .contains(bad.get(1))
                        .doesNotContain("\n");
            });
        }
    }
}
