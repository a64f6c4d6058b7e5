package io.tollgate.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

/** Talks to a running gateway over real HTTP, as a client or an operator would. */
public final class GatewayHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;
    private final String adminKey;

    public GatewayHttp(String baseUrl, String adminKey) {
        this.baseUrl = baseUrl;
        this.adminKey = adminKey;
    }

    public record Reply(int status, JsonNode json, String body, HttpResponse<String> raw) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    public Reply post(String path, String key, Object body) {
        return post(path, key, body, Map.of());
    }

    /** A String body is sent as it is (UTF-8), anything else as JSON. */
    public Reply post(String path, String key, Object body, Map<String, String> headers) {
        try {
            String payload = body instanceof String text ? text : JSON.writeValueAsString(body);
            var request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(payload));
            if (key != null) {
                request.header("Authorization", "Bearer " + key);
            }
            headers.forEach(request::header);
            return send(request.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Reply put(String path, String key, Object body) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + key)
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            return send(request.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Reply get(String path, String key) {
        var request = HttpRequest.newBuilder(URI.create(baseUrl + path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return send(request.build());
    }

    /** Any method, with extra headers; the key (if any) goes in Authorization, a body as JSON. */
    public Reply request(String method, String path, String key, Object body, Map<String, String> headers) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body instanceof String text ? text
                                    : JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (key != null) {
                request.header("Authorization", "Bearer " + key);
            }
            headers.forEach(request::header);
            return send(request.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Reply delete(String path, String key) {
        return request("DELETE", path, key, null, Map.of());
    }

    private Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            if (contentType.contains("json") && !response.body().isEmpty()) {
                json = JSON.readTree(response.body());
            }
            return new Reply(response.statusCode(), json, response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Registers an OpenAI-compatible provider with one credential. */
    public void registerProvider(String name, String baseUrl, String apiKey) {
        expect(put("/admin/providers/" + name, adminKey,
                Map.of("wireFormat", "openai", "baseUrl", baseUrl, "apiKey", apiKey)), 200);
    }

    public void setRate(String provider, String model, String inputPerMillion, String outputPerMillion) {
        expect(put("/admin/rates/" + provider + "/" + model, adminKey,
                Map.of("inputPerMillion", inputPerMillion, "outputPerMillion", outputPerMillion)), 200);
    }

    /** Opens an account with a fresh id, grants it credits and returns a user key for it. */
    public Account openAccountWithCredits(String credits) {
        String accountId = "acct-test-" + UUID.randomUUID();
        expect(post("/admin/accounts", adminKey, Map.of("id", accountId, "displayName", "Test account")), 201);
        grantCredits(accountId, credits);
        Reply key = expect(post("/admin/keys", adminKey, Map.of("name", "test key", "accountId", accountId)), 201);
        return new Account(accountId, key.json().path("key").asText());
    }

    public void grantCredits(String accountId, String credits) {
        expect(post("/admin/accounts/" + accountId + "/grants", adminKey, Map.of("credits", credits)), 201);
    }

    public record Account(String id, String key) {
    }

    private static Reply expect(Reply reply, int status) {
        if (reply.status() != status) {
            throw new AssertionError("expected HTTP " + status + " but got " + reply.status() + ": " + reply.body());
        }
        return reply;
    }
}
