package io.interrupthub.web;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.interrupthub.core.InterruptHubException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads the API's own request bodies, and nothing else, with a mapper of its own that takes JSON as written:
 * no scalar coercion ({@code {"hardwareId": 123}} is not the device "123", {@code {"epoch": 0.5}} is not 0,
 * {@code {"epoch": ""}} is not "no epoch") and no member named twice (a gateway reading the first value and
 * us the last would see two different requests). The application's own mapper is left exactly as it is:
 * the library is embedded in other teams' services. A body that does not fit is a 400 problem naming the
 * member, not Spring's generic "Failed to read request".
 */
final class ApiRequestConverter extends JacksonJsonHttpMessageConverter {

    /** Each request type with what each of its members must be, for the refusal's detail. */
    private static final Map<Class<?>, Map<String, String>> TYPES = Map.of(
            SessionRequest.class, members(SessionRequest.class),
            InterruptRequest.class, members(InterruptRequest.class),
            ApiBodies.DeliveredRequest.class, members(ApiBodies.DeliveredRequest.class),
            ApiBodies.StoppedRequest.class, members(ApiBodies.StoppedRequest.class),
            ApiBodies.CommitRequest.class, members(ApiBodies.CommitRequest.class),
            SpeechRequest.class, members(SpeechRequest.class));

    private static final JsonMapper STRICT = strictMapper();

    /** One reader per type, made once: a reader made per call looks its deserializer up again. */
    private static final Map<Class<?>, ObjectReader> READERS =
            TYPES.keySet().stream().collect(Collectors.toUnmodifiableMap(type -> type, STRICT::readerFor));

    /** The charsets Spring's JSON converter leaves to Jackson to detect; it decodes any other one itself. */
    private static final Set<String> UNICODE =
            Set.of("UTF-8", "UTF-16", "UTF-16BE", "UTF-16LE", "UTF-32", "UTF-32BE", "UTF-32LE", "US-ASCII");

    ApiRequestConverter() {
        super(STRICT);
    }

    static JsonMapper strictMapper() {
        return JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // the contract lets clients add members
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .withCoercionConfig(
                        LogicalType.Textual,
                        config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Integer,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    @Override
    public boolean canRead(ResolvableType type, MediaType mediaType) {
        return TYPES.containsKey(type.toClass()) && super.canRead(type, mediaType);
    }

    @Override
    public boolean canRead(Class<?> clazz, MediaType mediaType) {
        return TYPES.containsKey(clazz) && super.canRead(clazz, mediaType);
    }

    @Override
    public boolean canWrite(ResolvableType type, Class<?> valueClass, MediaType mediaType) {
        return false; // answers are written by the application's converter, as before
    }

    @Override
    public boolean canWrite(Class<?> clazz, MediaType mediaType) {
        return false;
    }

    @Override
    public Object read(ResolvableType type, HttpInputMessage input, Map<String, Object> hints) throws IOException {
        try {
            return super.read(type, input, hints);
        } catch (HttpMessageNotReadableException e) {
            throw refusal(TYPES.getOrDefault(type.toClass(), Map.of()), e.getCause());
        }
    }

    /**
     * Reads a JSON body already in hand as {@link #read} reads it from the request: empty is no body ({@code null}),
     * Jackson finds a Unicode encoding itself, any other charset the content type names decodes it first (as
     * Spring's converter does), and a body that does not fit is the same 400 naming the member. For a handler that
     * takes its small body itself (the interrupt's, issue 24): Spring's argument resolution copies every request
     * header, checks the body, makes a binder and consults the body advice on every request.
     *
     * @param type one of the API's request types
     */
    static <T> @Nullable T readJson(Class<T> type, byte[] body, MediaType contentType) {
        if (body.length == 0) {
            return null;
        }
        Charset charset = contentType.getCharset();
        try {
            ObjectReader reader = READERS.get(type);
            return type.cast(
                    charset == null || UNICODE.contains(charset.name())
                            ? reader.readValue(body)
                            : reader.readValue(new String(body, charset)));
        } catch (JacksonException e) {
            throw refusal(TYPES.getOrDefault(type, Map.of()), e);
        }
    }

    /** A detail that names the member and what it must be, and never echoes the client's bytes. */
    private static InterruptHubException refusal(Map<String, String> members, Throwable cause) {
        String detail = "the request body must be a JSON object with "
                + members.entrySet().stream()
                        .map(m -> m.getKey() + " (" + m.getValue() + ")")
                        .sorted()
                        .collect(Collectors.joining(", "));
        if (cause instanceof JacksonException jackson) {
            String duplicate = duplicateMember(jackson);
            List<JacksonException.Reference> path = jackson.getPath();
            String member = path.isEmpty() ? null : path.get(0).getPropertyName();
            if (duplicate != null) {
                detail = members.containsKey(duplicate)
                        ? "the JSON member " + duplicate + " appears more than once"
                        : "a JSON member appears more than once";
            } else if (cause instanceof StreamReadException && !(cause instanceof InputCoercionException)) {
                detail = "the request body is not well-formed JSON"; // even where a member's path is known
            } else if (member != null && members.containsKey(member)) {
                detail = member + " must be " + members.get(member); // a number out of range included
            }
        }
        return new InterruptHubException(InterruptHubException.Kind.INVALID_INPUT, detail);
    }

    private static String duplicateMember(JacksonException e) {
        if (e instanceof StreamReadException read
                && read.processor() != null
                && e.getOriginalMessage() != null
                && e.getOriginalMessage().startsWith("Duplicate Object property")) {
            return read.processor().streamReadContext().currentName();
        }
        return null;
    }

    private static Map<String, String> members(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .collect(Collectors.toMap(
                        component -> jsonName(type, component),
                        component -> describe(component.getType()),
                        (a, b) -> a));
    }

    /** The member's name in JSON: the component's, unless {@code @JsonProperty} renames it ({@code final}). */
    private static String jsonName(Class<?> type, RecordComponent component) {
        try {
            JsonProperty renamed = type.getDeclaredField(component.getName()).getAnnotation(JsonProperty.class);
            return renamed == null || renamed.value().isEmpty() ? component.getName() : renamed.value();
        } catch (NoSuchFieldException e) {
            return component.getName();
        }
    }

    private static String describe(Class<?> type) {
        if (type == Long.class || type == Integer.class) {
            return "a whole JSON number (64-bit)";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        return type == String.class ? "a JSON string" : "JSON for a " + type.getSimpleName();
    }
}
