package io.interrupthub;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The standalone service. Everything it serves comes from the auto-configurations a sibling application
 * gets by adding the library, so there is no component scan here to register anything twice.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ServiceDefaults.class, InterruptLogMetrics.class})
public class InterruptHubApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(InterruptHubApplication.class);
        application.addListeners(new AsyncInterruptLog()); // the service's own logging choice, not the library's
        application.run(args);
    }
}
