/**
 * Spring Boot auto-configuration of the library: binds the interrupt variables and per-module settings,
 * registers {@link io.interrupthub.core.Interruptible} beans and {@code @OnInterrupt} methods as modules, and adds
 * the metrics, health indicator, actuator endpoint, application events and the per-interrupt log line.
 */
package io.interrupthub.autoconfigure;
