package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.UpstreamProperties;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.bedrock.BedrockCredential;
import io.tollgate.gateway.providers.bedrock.BedrockSigning;
import software.amazon.awssdk.http.SdkHttpMethod;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;

/**
 * Tests a key against its provider with the cheapest authenticated call each wire family has, listing the
 * models: OpenAI-compatible {@code GET {baseUrl}/models} with a bearer key, Anthropic with {@code x-api-key}
 * and {@code anthropic-version}, Gemini with {@code x-goog-api-key}, Bedrock with a SigV4-signed
 * {@code GET /foundation-models} on the control plane (Ideogram has no free call: its keys are stored untested). Nothing of the answer is kept or shown
 * but its status: providers' error bodies may echo parts of the key.
 */
@Component
public class CredentialTester {
    static final String ANTHROPIC_VERSION = "2023-06-01";

    private final HttpClient http;
    private final CredentialProperties properties;

    public CredentialTester(UpstreamProperties upstream, CredentialProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(min(upstream.connectTimeout(), properties.testTimeout()))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public enum Verdict {
        /** The provider accepted the key (2xx, or 429: it knew the key and only throttled it). */
        VALID,
        /** 401 or 403: the key is wrong, revoked or lacks access. */
        REJECTED,
        /** No answer: connection refused, DNS, TLS or timeout. */
        UNREACHABLE,
        /** Any other answer (404, 5xx, …): says nothing about the key. */
        INCONCLUSIVE
    }

    /** @param httpStatus the provider's status, 0 when there was none */
    public record Result(Verdict verdict, int httpStatus, String message) {
    }

    public Result test(WireFormat wireFormat, URI baseUrl, String apiKey) {
        if (wireFormat == WireFormat.IDEOGRAM) {
            return new Result(Verdict.INCONCLUSIVE, 0, "Ideogram has no free call to test a key with; store it "
                    + "untested.");
        }
        URI models = modelsUri(baseUrl);
        HttpRequest.Builder request;
        if (wireFormat == WireFormat.BEDROCK) {
            // Bedrock's runtime lists nothing: the control plane beside it lists the foundation models.
            BedrockCredential credential = BedrockCredential.parse(apiKey);
            models = BedrockSigning.under(BedrockSigning.controlPlane(BedrockSigning.regional(baseUrl,
                    credential.region())), "/foundation-models");
            request = BedrockSigning.signed(SdkHttpMethod.GET, models, null, "application/json", credential);
        } else {
            request = HttpRequest.newBuilder(models).header("Accept", "application/json").GET();
        }
        request.timeout(properties.testTimeout());
        switch (wireFormat) {
            case OPENAI -> request.header("Authorization", "Bearer " + apiKey);
            case ANTHROPIC -> request.header("x-api-key", apiKey).header("anthropic-version", ANTHROPIC_VERSION);
            case GEMINI -> request.header("x-goog-api-key", apiKey);
            case BEDROCK, IDEOGRAM -> {
                // signed above; Ideogram answered above
            }
        }
        String target = "GET " + models.getPath();
        try {
            int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                return new Result(Verdict.VALID, status, "The provider accepted the key (" + target + ": " + status + ").");
            }
            if (status == 429) {
                return new Result(Verdict.VALID, status, "The provider knows the key but is rate-limiting it ("
                        + target + ": 429).");
            }
            if (status == 401 || status == 403) {
                return new Result(Verdict.REJECTED, status, "The provider rejected the key (" + target + ": " + status
                        + (status == 401 ? ", unauthenticated" : ", forbidden") + ").");
            }
            return new Result(Verdict.INCONCLUSIVE, status, "The provider answered " + target + " with HTTP " + status
                    + ", which does not say whether the key works.");
        } catch (HttpTimeoutException e) {
            return new Result(Verdict.UNREACHABLE, 0, "The provider did not answer " + target + " within "
                    + properties.testTimeout().toSeconds() + " s.");
        } catch (IOException e) {
            return new Result(Verdict.UNREACHABLE, 0, "The provider could not be reached at " + models.getScheme()
                    + "://" + models.getAuthority() + " (" + e.getClass().getSimpleName() + ").");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Verdict.UNREACHABLE, 0, "The test was interrupted.");
        }
    }

    static URI modelsUri(URI baseUrl) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "models");
    }

    private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
