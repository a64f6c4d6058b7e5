package io.tollgate.gateway.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.providers.anthropic.AnthropicAdapter;
import io.tollgate.gateway.providers.gemini.GeminiAdapter;
import io.tollgate.gateway.providers.openai.OpenAiAdapter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 4, per wire family, on the providers' real error bodies: which answers refuse the key itself
 * (and disable it) and which refuse what the request asks for (the client's error, answered once).
 */
class CredentialRejectionBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void openAi() {
        ProviderAdapter openai = new OpenAiAdapter(JSON);
        assertThat(openai.rejectsCredential(401, json("""
                {"error":{"message":"Incorrect API key provided: sk-abc***xyz.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""")))
                .isTrue();
        assertThat(openai.rejectsCredential(403, json("""
                {"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}}""")))
                .isFalse();
        assertThat(openai.rejectsCredential(403, null)).isFalse();
        assertThat(openai.mayRejectCredential(400)).isFalse();
    }

    @Test
    void anthropic() {
        ProviderAdapter anthropic = new AnthropicAdapter(JSON);
        assertThat(anthropic.rejectsCredential(401, json("""
                {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"""))).isTrue();
        assertThat(anthropic.rejectsCredential(403, json("""
                {"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}""")))
                .isFalse();
    }

    @Test
    void gemini() {
        ProviderAdapter gemini = new GeminiAdapter(JSON);
        assertThat(gemini.mayRejectCredential(400)).isTrue();
        assertThat(gemini.rejectsCredential(400, json("""
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                 "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}""")))
                .isTrue();
        assertThat(gemini.rejectsCredential(403, json("""
                {"error":{"code":403,"message":"Generative Language API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com"}]}}""")))
                .isTrue();
        assertThat(gemini.rejectsCredential(403, json("""
                {"error":{"code":403,"message":"You do not have permission to access the File abc or it may not exist.","status":"PERMISSION_DENIED"}}""")))
                .isFalse();
        assertThat(gemini.rejectsCredential(400, json("""
                {"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}""")))
                .isFalse();
    }
}
