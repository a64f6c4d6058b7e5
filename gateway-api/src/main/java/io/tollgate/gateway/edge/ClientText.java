package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.errors.GatewayException;
import org.springframework.http.HttpStatus;

/**
 * The edge's one rule for a string a client sends that may reach an event or a stored row (DESIGN.md I8):
 * at most a documented number of characters, no control characters, no lone surrogates (a JSON escape
 * such as {@code \uD800} has no UTF-8 form). A NUL byte or a string of kilobytes would be refused by the
 * views' database, or make an event too large for the broker, and stall or dead-letter whoever reads it.
 * Bodies that are not UTF-8 at all never get this far: the JSON parser refuses them.
 */
public final class ClientText {
    /** Names and ids: model names, account, key, provider, credential and alias names, user ids, path segments. */
    public static final int NAME_MAX = 256;
    /** Free text an admin writes down: reasons, display names, query parameters. */
    public static final int TEXT_MAX = 1024;
    /** URLs and secrets (a provider's base URL, an upstream API key). */
    public static final int LONG_MAX = 4096;

    private ClientText() {
    }

    /** Whether the value may be recorded: non-empty, at most {@code max} characters, printable. */
    public static boolean acceptable(String value, int max) {
        return value != null && !value.isEmpty() && problem(value, max) == null;
    }

    /** What is wrong with a non-null value, as the end of "'field' …", or null when nothing is. */
    public static String problem(String value, int max) {
        if (value.length() > max) {
            return "must be at most " + max + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                return "must not contain control characters";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not contain unpaired surrogates";
            }
        }
        return null;
    }

    /** Refuses a value that may not be recorded; null passes (whether a field is required is the caller's rule). */
    public static void require(String field, String value, int max) {
        if (value == null) {
            return;
        }
        String problem = problem(value, max);
        if (problem != null) {
            throw refusal(field, problem);
        }
    }

    /** An optional string field of a JSON body (e.g. OpenAI's end-user id {@code user}): absent, null, or acceptable. */
    public static void requireOptional(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isTextual()) {
            throw refusal(field, "must be a string");
        }
        require(field, value.textValue(), max);
    }

    public static GatewayException refusal(String field, String problem) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_" + codeOf(field),
                "'" + field + "' " + problem + ".");
    }

    /**
     * A text of the gateway's own that may quote the client (a refusal's message), made safe to record: control
     * characters and lone surrogates become U+FFFD, and it is cut to {@code max} characters.
     */
    public static String printable(String text, int max) {
        if (text == null) {
            return null;
        }
        if (problem(text, max) == null) {
            return text;
        }
        StringBuilder safe = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && safe.length() < max; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (safe.length() + 2 > max) {
                    break;
                }
                safe.append(c).append(text.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                safe.append('\uFFFD');
            } else {
                safe.append(c);
            }
        }
        return safe.toString();
    }

    /** "displayName" -> "display_name", "deployments[0].model" -> "model": the code names the kind of field. */
    private static String codeOf(String field) {
        String last = field.substring(field.lastIndexOf('.') + 1).replaceAll("\\[\\d+]", "");
        return last.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase().replaceAll("[^a-z0-9_]", "_");
    }
}
