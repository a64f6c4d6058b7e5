package io.tollgate.gateway.chat;

import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.http.HttpServletRequest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers an Anthropic client sends that an Anthropic provider must see as sent: the API version and
 * the beta features it opts into (prompt-caching, token-efficient tools, …). Other provider families
 * ignore them.
 */
final class AnthropicHeaders {
    static final String VERSION = "anthropic-version";
    static final String BETA = "anthropic-beta";
    private static final int MAX_LENGTH = 1024;

    private AnthropicHeaders() {
    }

    /** Those present on the request, each checked: printable ASCII, at most 1,024 characters. */
    static Map<String, String> from(HttpServletRequest request) {
        Map<String, String> headers = new LinkedHashMap<>(2);
        for (String name : new String[] {VERSION, BETA}) {
            String value = request.getHeader(name);
            if (value == null || value.isBlank()) {
                continue;
            }
            if (value.length() > MAX_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw GatewayException.badRequest(name + ": header must be printable ASCII of at most "
                        + MAX_LENGTH + " characters");
            }
            headers.put(name, value);
        }
        return headers;
    }
}
