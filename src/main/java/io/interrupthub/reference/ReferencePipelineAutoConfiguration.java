package io.interrupthub.reference;

import java.time.Clock;

import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import io.interrupthub.core.InterruptManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The reference voice pipeline: four demonstration modules and {@code GET /sessions/{id}/stream}.
 * Off unless {@code interrupt.reference.enabled=true} ({@code INTERRUPT_REFERENCE_ENABLED=true}).
 */
@AutoConfiguration(after = InterruptHubAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty("interrupt.reference.enabled")
@EnableConfigurationProperties(ReferenceProperties.class)
@Import(ReferenceStreamController.class)
public class ReferencePipelineAutoConfiguration {

    static final int MAX_DEVICES = 10_000;

    @Bean
    ReferenceModules.TextProcessing referenceTextProcessing() {
        return new ReferenceModules.TextProcessing(MAX_DEVICES);
    }

    @Bean
    ReferenceModules.AudioGeneration referenceAudioGeneration() {
        return new ReferenceModules.AudioGeneration(MAX_DEVICES);
    }

    @Bean
    ReferenceModules.Memory referenceMemory() {
        return new ReferenceModules.Memory(MAX_DEVICES);
    }

    @Bean
    ReferenceModules.Database referenceDatabase() {
        return new ReferenceModules.Database(MAX_DEVICES);
    }

    @Bean
    ReferenceStreams referenceStreams(
            InterruptManager manager,
            ReferenceModules.TextProcessing text,
            ReferenceModules.AudioGeneration audio,
            ReferenceModules.Memory memory,
            ReferenceModules.Database database,
            ReferenceProperties properties,
            ObjectProvider<Clock> clock) {
        return new ReferenceStreams(
                manager, text, audio, memory, database, properties, clock.getIfUnique(Clock::systemUTC));
    }
}
