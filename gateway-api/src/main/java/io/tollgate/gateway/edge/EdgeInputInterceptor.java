package io.tollgate.gateway.edge;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Path variables ({@code /admin/accounts/{accountId}/…}) and query parameters become account ids, provider
 * and alias names in events and rows: each is held to {@link ClientText}'s rule before any handler runs.
 * Query parameters are read from the query string only, never from a form body.
 */
final class EdgeInputInterceptor implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> variables) {
            variables.forEach((name, value) ->
                    ClientText.require(String.valueOf(name), String.valueOf(value), ClientText.NAME_MAX));
        }
        String query = request.getQueryString();
        if (query != null && !query.isEmpty()) {
            if (query.length() > ClientText.LONG_MAX) {
                throw ClientText.refusal("query", "must be at most " + ClientText.LONG_MAX + " characters");
            }
            Map<String, List<String>> parameters = UriComponentsBuilder.newInstance().query(query).build()
                    .getQueryParams();
            parameters.forEach((name, values) -> {
                String decodedName = decode(name);
                ClientText.require("query parameter", decodedName, ClientText.NAME_MAX);
                values.forEach(value -> ClientText.require(decodedName, value == null ? null : decode(value),
                        ClientText.TEXT_MAX));
            });
        }
        return true;
    }

    private static String decode(String encoded) {
        try {
            return UriUtils.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            throw ClientText.refusal("query", "is not a well-formed URL query");
        }
    }
}
