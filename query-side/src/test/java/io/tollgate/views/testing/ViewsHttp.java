package io.tollgate.views.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The read API over real HTTP. The records mirror its JSON contract strictly: an unknown or a missing
 * field fails the read, so a renamed field cannot pass as a zero.
 */
public final class ViewsHttp {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public record Balance(String accountId, String displayName, BigDecimal granted, BigDecimal debited,
                          BigDecimal reserved, BigDecimal balance, BigDecimal available) {
    }

    public record Usage(String accountId, long requests, long succeeded, long failed, long rejected, long inputTokens,
                        long outputTokens, BigDecimal credits) {
    }

    public record RequestRow(String requestId, String provider, String model, String status, Boolean stream,
                             Long inputTokens, Long outputTokens, Boolean estimated, BigDecimal credits,
                             Long latencyMillis, Long ttfbMillis, String error, Instant acceptedAt,
                             Instant finishedAt) {
    }

    public record Response(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    public ViewsHttp(int port) {
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    public Response get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .GET()
                .build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Balance balance(String accountId) {
        return read("/api/views/accounts/" + accountId + "/balance", new TypeReference<>() {
        });
    }

    public Usage usage(String accountId) {
        return read("/api/views/accounts/" + accountId + "/usage", new TypeReference<>() {
        });
    }

    public List<RequestRow> requests(String accountId) {
        return read("/api/views/accounts/" + accountId + "/requests", new TypeReference<>() {
        });
    }

    public List<RequestRow> requests(String accountId, int limit) {
        return read("/api/views/accounts/" + accountId + "/requests?limit=" + limit, new TypeReference<>() {
        });
    }

    /** 200 and the body, or an AssertionError that Awaitility retries on (e.g. 404 until projected). */
    private <T> T read(String path, TypeReference<T> type) {
        Response response = get(path);
        if (response.status() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.status() + ": " + response.body());
        }
        try {
            return JSON.readValue(response.body(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("GET " + path + " answered an unexpected body: " + response.body(), e);
        }
    }
}
