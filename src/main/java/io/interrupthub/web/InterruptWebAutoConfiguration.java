package io.interrupthub.web;

import io.interrupthub.autoconfigure.InterruptHubAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Import;

/** The REST API, on by default in a servlet web application; {@code interrupt.web.enabled=false} leaves it out. */
@AutoConfiguration(after = InterruptHubAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = "interrupt.web.enabled", matchIfMissing = true)
@Import({InterruptController.class, SessionController.class, InterruptProblemHandler.class, ProblemTypeAdvice.class})
public class InterruptWebAutoConfiguration {
}
