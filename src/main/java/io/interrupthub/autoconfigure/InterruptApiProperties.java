package io.interrupthub.autoconfigure;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The API's protection, {@code interrupt.api.*}, shared by the REST API and the gRPC server.
 *
 * @param keys        accepted API keys (INTERRUPT_API_KEYS, comma-separated for rotation); none means the API is
 *                    open. When set, every API call needs one, and an application that cannot enforce them (the
 *                    REST API without Spring Security on the class path) refuses to start
 * @param keyHeader   the request header (or gRPC metadata key) that carries the key
 * @param maxBodySize the largest request body the REST API accepts; a larger one is answered 413
 */
@ConfigurationProperties("interrupt.api")
@Validated
public record InterruptApiProperties(
        @DefaultValue("") List<String> keys,
        @DefaultValue("X-API-Key") @NotBlank String keyHeader,
        @DefaultValue("16KB") DataSize maxBodySize) {

    /** The keys without blanks, so {@code INTERRUPT_API_KEYS=} (empty) means no key at all. */
    @Override
    public List<String> keys() {
        return keys.stream().map(String::trim).filter(key -> !key.isEmpty()).toList();
    }
}
