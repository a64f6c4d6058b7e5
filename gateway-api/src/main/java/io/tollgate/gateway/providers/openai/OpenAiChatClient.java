package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.UpstreamProperties;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Sends chat requests to any OpenAI-compatible server: POST {baseUrl}/chat/completions with a bearer key. */
@Component
public class OpenAiChatClient {
    private final HttpClient http;
    private final ObjectMapper json;
    private final UpstreamProperties properties;

    public OpenAiChatClient(ObjectMapper json, UpstreamProperties properties) {
        this.json = json;
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                // HTTP/1.1: plain-http upstreams (Ollama, local servers) mishandle the h2c upgrade
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** Returns once the response headers arrived; the caller reads (and must close) the body. */
    public HttpResponse<InputStream> send(Provider provider, Provider.Credential credential, ObjectNode body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(chatCompletionsUri(provider.baseUrl()))
                .timeout(properties.responseTimeout())
                .header("Authorization", "Bearer " + credential.secret())
                .header("Content-Type", "application/json")
                .header("Accept", body.path("stream").asBoolean(false) ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    static URI chatCompletionsUri(URI baseUrl) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
    }
}
