package io.tollgate.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * The mock's own endpoints under /_mock, for launchers and tests in other processes: health, request
 * statistics, runtime configuration and reset. Never delayed, never failed, never counted.
 */
final class ControlApi {
    private final MockProvider provider;

    ControlApi(MockProvider provider) {
        this.provider = provider;
    }

    void handle(HttpExchange http) throws IOException {
        String method = http.getRequestMethod();
        String path = http.getRequestURI().getPath();
        try {
            switch (path) {
                case "/_mock/health" -> {
                    requireMethod(method, "GET");
                    ObjectNode health = Json.object();
                    health.put("status", "UP");
                    send(http, 200, health);
                }
                case "/_mock/stats" -> {
                    requireMethod(method, "GET");
                    send(http, 200, statsJson(provider.stats()));
                }
                case "/_mock/config" -> {
                    if (method.equals("POST")) {
                        provider.updateConfig(applyUpdate(provider.config(), readJson(http)));
                    } else {
                        requireMethod(method, "GET");
                    }
                    send(http, 200, configJson(provider.config()));
                }
                case "/_mock/reset" -> {
                    requireMethod(method, "POST");
                    provider.reset();
                    send(http, 200, statsJson(provider.stats()));
                }
                default -> send(http, 404, message("no control endpoint " + path));
            }
        } catch (MethodNotAllowed e) {
            http.getResponseHeaders().set("Allow", e.allowed);
            send(http, 405, message(method + " is not allowed on " + path + "; use " + e.allowed));
        } catch (IllegalArgumentException e) {
            send(http, 400, message(e.getMessage()));
        }
    }

    /** A copy of {@code current} with every field named in {@code update} changed; unknown fields are refused. */
    static MockProviderConfig applyUpdate(MockProviderConfig current, JsonNode update) {
        if (!update.isObject()) {
            throw new IllegalArgumentException("the config update must be a JSON object");
        }
        MockProviderConfig.Builder builder = current.toBuilder();
        for (Map.Entry<String, JsonNode> field : update.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            switch (name) {
                case "port" -> {
                    // The port is fixed once bound; accepted so a GET's output can be posted back.
                }
                case "requiredApiKey" -> builder.requiredApiKey(value.isNull() ? null : text(name, value));
                case "latencyMs" -> builder.latencyMs(integer(name, value));
                case "chunkDelayMs" -> builder.chunkDelayMs(integer(name, value));
                case "rate429" -> builder.rate429(number(name, value));
                case "rate500" -> builder.rate500(number(name, value));
                case "rateTimeout" -> builder.rateTimeout(number(name, value));
                case "timeoutHoldMs" -> builder.timeoutHoldMs(integer(name, value));
                case "seed" -> builder.seed(integer(name, value));
                case "replyWords" -> builder.replyWords(smallInteger(name, value));
                default -> throw new IllegalArgumentException("unknown config field '" + name + "'");
            }
        }
        return builder.build();
    }

    static ObjectNode configJson(MockProviderConfig config) {
        ObjectNode json = Json.object();
        json.put("port", config.port());
        json.put("requiredApiKey", config.requiredApiKey());
        json.put("latencyMs", config.latencyMs());
        json.put("chunkDelayMs", config.chunkDelayMs());
        json.put("rate429", config.rate429());
        json.put("rate500", config.rate500());
        json.put("rateTimeout", config.rateTimeout());
        json.put("timeoutHoldMs", config.timeoutHoldMs());
        json.put("seed", config.seed());
        json.put("replyWords", config.replyWords());
        return json;
    }

    static ObjectNode statsJson(MockProviderStats stats) {
        ObjectNode json = Json.object();
        json.put("totalRequests", stats.totalRequests());
        ObjectNode byEndpoint = json.putObject("requestsByEndpoint");
        for (MockEndpoint endpoint : MockEndpoint.values()) {
            byEndpoint.put(endpoint.key(), stats.requests(endpoint));
        }
        return json;
    }

    private static JsonNode readJson(HttpExchange http) throws IOException {
        try {
            JsonNode json = Json.MAPPER.readTree(http.getRequestBody().readAllBytes());
            if (json == null || json.isMissingNode()) {
                throw new IllegalArgumentException("the request body is empty; expected a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(String name, JsonNode value) {
        if (!value.isTextual()) {
            throw new IllegalArgumentException(name + " must be a string or null");
        }
        return value.asText();
    }

    private static long integer(String name, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(name + " must be an integer");
        }
        return value.asLong();
    }

    private static int smallInteger(String name, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(name + " must be an integer");
        }
        return value.asInt();
    }

    private static double number(String name, JsonNode value) {
        if (!value.isNumber()) {
            throw new IllegalArgumentException(name + " must be a number");
        }
        return value.asDouble();
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new MethodNotAllowed(allowed);
        }
    }

    private static ObjectNode message(String text) {
        ObjectNode json = Json.object();
        json.put("error", text);
        return json;
    }

    private static void send(HttpExchange http, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        http.getResponseHeaders().set("Content-Type", "application/json");
        http.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    @SuppressWarnings("serial") // never serialised: it lives only while one request is answered
    private static final class MethodNotAllowed extends RuntimeException {
        private final String allowed;

        MethodNotAllowed(String allowed) {
            super(null, null, false, false);
            this.allowed = allowed;
        }
    }
}
