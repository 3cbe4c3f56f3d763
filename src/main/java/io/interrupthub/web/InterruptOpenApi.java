package io.interrupthub.web;

import java.util.List;
import java.util.Map;

import io.interrupthub.autoconfigure.InterruptApiProperties;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Completes the document springdoc derives from the controllers with what they cannot say: the
 * contract's error answers (problem details) per endpoint, the 202 of {@code ?wait=false}, the API key.
 */
@Configuration(proxyBeanMethods = false)
class InterruptOpenApi {

    static final String PROBLEM = "Problem";

    /** Errors each operation can answer, beyond 401/403 (with API keys) and 400 (every operation). */
    private static final Map<String, List<Integer>> ERRORS = Map.ofEntries(
            Map.entry("POST /interrupt/{hardwareId}", List.of(413, 415, 429, 503)),
            Map.entry("POST /interrupt/{hardwareId}/resume", List.of(409)),
            Map.entry("POST /sessions", List.of(409, 413, 415, 429)),
            Map.entry("GET /sessions/{sessionId}", List.of(404)),
            Map.entry("POST /sessions/{sessionId}/heartbeat", List.of(404)),
            Map.entry("POST /sessions/{sessionId}/delivered", List.of(404, 409, 413, 415)),
            Map.entry("POST /sessions/{sessionId}/stopped", List.of(404, 409, 413, 415)),
            Map.entry("POST /sessions/{sessionId}/commit", List.of(404, 409, 413, 415, 429, 503)),
            Map.entry("DELETE /sessions/{sessionId}", List.of(404)),
            Map.entry("GET /sessions/{sessionId}/stream", List.of(404, 409, 503)),
            Map.entry("POST /devices/{hardwareId}/speech", List.of(413, 415, 429, 503)),
            Map.entry("GET /interrupts/events", List.of(503)));

    /** Success answers other than the 200 springdoc infers from a ResponseEntity. */
    private static final Map<String, String> SUCCESS = Map.of(
            "POST /sessions", "201",
            "DELETE /sessions/{sessionId}", "204",
            "DELETE /interrupt/{hardwareId}", "204");

    private static final Map<Integer, String> MEANING = Map.ofEntries(
            Map.entry(400, "Bad id, body, limit or parameter"),
            Map.entry(401, "No API key (only when API keys are configured)"),
            Map.entry(403, "Unknown API key (only when API keys are configured)"),
            Map.entry(404, "No such session"),
            Map.entry(406, "An Accept that takes neither JSON nor YAML; refused before anything is done"),
            Map.entry(
                    409,
                    "Duplicate session id, an epoch the device has not reached, a stream already open, "
                            + "a commit after an interrupt reached the session, offsets changed after the stop receipt, "
                            + "or a resume with nothing paused (or after the resume window)"),
            Map.entry(413, "Request body larger than interrupt.api.max-body-size"),
            Map.entry(415, "Content type other than application/json"),
            Map.entry(
                    429,
                    "A cap is reached: MAX_ACTIVE_SESSIONS, interrupt.max-devices or the commits of a session; "
                            + "nothing was evicted"),
            Map.entry(
                    503,
                    "Interrupts switched off (GLOBAL_INTERRUPT_ENABLED=false), a stream cap reached, or (in a cluster) a"
                            + " commit Redis cannot order against interrupts now: retry after the Retry-After seconds"));

    /** Paths are named below without {@code interrupt.web.base-path}, which the document's paths carry. */
    @Bean
    OpenApiCustomizer interruptHubOpenApi(InterruptWebProperties web, InterruptApiProperties api) {
        return openApi -> {
            openApi.info(new Info()
                    .title("Interrupt Hub")
                    .version("1")
                    .description(
                            "Stop everything still being produced for a voice device the moment the user barges in."));
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            openApi.getComponents()
                    .addSecuritySchemes(
                            "apiKey",
                            new SecurityScheme()
                                    .type(SecurityScheme.Type.APIKEY)
                                    .in(SecurityScheme.In.HEADER)
                                    .name(api.keyHeader())
                                    .description("Required when the service is started with INTERRUPT_API_KEYS"));
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths()
                    .forEach((fullPath, item) -> item.readOperationsMap().forEach((method, operation) -> {
                        String path = ApiPaths.relative(web.basePath(), fullPath);
                        if (path == null) {
                            return; // an application's own path, not the API's
                        }
                        operation.addSecurityItem(new SecurityRequirement().addList("apiKey"));
                        String success = SUCCESS.get(method + " " + path);
                        if (success != null && operation.getResponses().containsKey("200")) {
                            ApiResponse ok = operation.getResponses().remove("200");
                            if (success.equals("204")) {
                                ok = new ApiResponse().description("Done; no body");
                            } else {
                                ok.description("Created; Location names the new session");
                            }
                            operation.getResponses().addApiResponse(success, ok);
                        }
                        addProblem(operation, 400);
                        addProblem(operation, 401);
                        addProblem(operation, 403);
                        if (method == PathItem.HttpMethod.POST) {
                            addProblem(operation, 406); // every POST of the API names its answers' types
                        }
                        ERRORS.getOrDefault(method + " " + path, List.of())
                                .forEach(status -> addProblem(operation, status));
                        if (method == PathItem.HttpMethod.POST && path.equals("/interrupt/{hardwareId}")) {
                            operation
                                    .getResponses()
                                    .addApiResponse(
                                            "202",
                                            new ApiResponse()
                                                    .description(
                                                            "?wait=false: the interrupt is under way; its epoch is decided")
                                                    .content(
                                                            new Content()
                                                                    .addMediaType(
                                                                            "application/json",
                                                                            new MediaType()
                                                                                    .schema(
                                                                                            new ObjectSchema()
                                                                                                    .addProperty(
                                                                                                            "hardwareId",
                                                                                                            new StringSchema())
                                                                                                    .addProperty(
                                                                                                            "epoch",
                                                                                                            new IntegerSchema()
                                                                                                                    .format(
                                                                                                                            "int64"))))));
                        }
                    }));
        };
    }

    private static void addProblem(Operation operation, int status) {
        operation
                .getResponses()
                .addApiResponse(
                        Integer.toString(status),
                        new ApiResponse()
                                .description(MEANING.get(status))
                                .content(new Content()
                                        .addMediaType(
                                                "application/problem+json",
                                                new MediaType()
                                                        .schema(new Schema<>()
                                                                .$ref("#/components/schemas/" + PROBLEM)))));
    }

    @SuppressWarnings("rawtypes")
    private static Schema problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem detail; never a stack trace")
                .addProperty("type", new StringSchema().example("about:blank"))
                .addProperty("title", new StringSchema().example("Too Many Requests"))
                .addProperty("status", new IntegerSchema().example(429))
                .addProperty(
                        "detail",
                        new StringSchema().example("100 sessions are open, the limit set by MAX_ACTIVE_SESSIONS"))
                .addProperty("instance", new StringSchema().example("/sessions"));
    }
}
