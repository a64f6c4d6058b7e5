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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read API over real HTTP, called as the gateway's forwarding proxy calls it: with the internal token
 * and the viewer headers. The records mirror its JSON contract strictly: an unknown or a missing field
 * fails the read, so a renamed field cannot pass as a zero.
 */
public final class ViewsHttp {
    public static final String INTERNAL_TOKEN = "test-internal-token";
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final Map<String, String> headers;

    public record Balance(String accountId, String displayName, boolean closed, BigDecimal granted, BigDecimal debited,
                          BigDecimal refunded, BigDecimal expired, BigDecimal adjusted, BigDecimal balance,
                          BigDecimal reserved, int openReservations, BigDecimal available, BigDecimal burnPerDay,
                          BigDecimal estimatedDaysRemaining) {
    }

    public record Usage(String accountId, long requests, long succeeded, long failed, long rejected, long inputTokens,
                        long outputTokens, long cachedTokens, BigDecimal credits) {
    }

    public record RequestRow(String requestId, String apiKeyId, String provider, String model, String status,
                             Integer httpStatus, Boolean stream, int attempts, Long inputTokens, Long outputTokens,
                             Long cachedTokens, Boolean estimated, BigDecimal credits, BigDecimal refunded,
                             Long latencyMillis, Long ttfbMillis, String error, Instant acceptedAt,
                             Instant finishedAt, String appId) {
    }

    public record Response(int status, String contentType, String body, Map<String, List<String>> headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                    .map(h -> h.getValue().getFirst()).findFirst().orElse(null);
        }

        public <T> T as(TypeReference<T> type) {
            try {
                return JSON.readValue(body, type);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unexpected body: " + body, e);
            }
        }
    }

    private ViewsHttp(int port, Map<String, String> headers) {
        this.baseUrl = "http://127.0.0.1:" + port;
        this.headers = headers;
    }

    /** An admin without an account: may read every account and the admin views. */
    public ViewsHttp(int port) {
        this(port, Map.of("X-Tollgate-Internal-Token", INTERNAL_TOKEN, "X-Tollgate-Viewer-Role", "admin"));
    }

    public static ViewsHttp asUser(int port, String accountId) {
        return new ViewsHttp(port, Map.of("X-Tollgate-Internal-Token", INTERNAL_TOKEN,
                "X-Tollgate-Viewer-Role", "user", "X-Tollgate-Viewer-Account", accountId));
    }

    /** Exactly these headers and no others, e.g. none at all or a wrong token. */
    public static ViewsHttp withHeaders(int port, Map<String, String> headers) {
        return new ViewsHttp(port, new LinkedHashMap<>(headers));
    }

    public Response get(String path) {
        return get(path, "application/json");
    }

    public Response get(String path, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", accept)
                .GET();
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body(),
                    response.headers().map());
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

    public int ledgerLineCount(String accountId) {
        return read("/api/views/accounts/" + accountId + "/ledger?limit=500", new TypeReference<List<Object>>() {
        }).size();
    }

    /** 200 and the body, or an AssertionError that Awaitility retries on (e.g. 404 until projected). */
    public <T> T read(String path, TypeReference<T> type) {
        Response response = get(path);
        if (response.status() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.status() + ": " + response.body());
        }
        return response.as(type);
    }
}
