package io.interrupthub.web;

import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.TypeMismatchException;

/**
 * A boolean query parameter of {@code POST /interrupt/{id}}, read as Spring MVC's {@code @RequestParam(defaultValue
 * = ...) boolean} reads it, without the data binder that costs on every interrupt (issue 24): absent or empty is the
 * default; true/on/yes/1 and false/off/no/0, in any case and trimmed; a repeated parameter counts by its first
 * value; anything else (blank included) is the same 400 problem ("Failed to convert 'wait' with value: 'maybe'").
 */
enum QueryFlag {
    WAIT("wait", true),
    TENTATIVE("tentative", false);

    private final String name;
    private final boolean absent;

    QueryFlag(String name, boolean absent) {
        this.name = name;
        this.absent = absent;
    }

    boolean of(HttpServletRequest request) {
        if (request.getQueryString() == null) {
            // No query: no parameter, and the server need not parse any. (A form body's parameters cannot be
            // there either: this is read for a JSON body only.)
            return absent;
        }
        String[] values = request.getParameterValues(name);
        if (values == null || values.length == 0) {
            return absent;
        }
        if (values.length == 1 && values[0].isEmpty()) {
            return absent;
        }
        Boolean value = parse(values[0]);
        if (value == null) { // a blank value too (" ", "%00"), and a repeated one whose first is empty
            TypeMismatchException refusal =
                    new TypeMismatchException(values.length == 1 ? values[0] : values, boolean.class);
            refusal.initPropertyName(name);
            throw refusal;
        }
        return value;
    }

    /** Spring's StringToBooleanConverter: null for blank or unknown. */
    private static Boolean parse(String source) {
        String value = source.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "on", "yes", "1" -> Boolean.TRUE;
            case "false", "off", "no", "0" -> Boolean.FALSE;
            default -> null;
        };
    }
}
