package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import org.junit.jupiter.api.Test;

import static io.tollgate.gateway.providers.anthropic.WireFixtures.JSON;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.n;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AigneMediaApiTest {

    @Test
    void translatesEmbeddingsInBothShapes() {
        assertThat(AigneMediaApi.toEmbeddingsRequest(JSON, parse("""
                {"input":{"input":["a","b"],"modelOptions":{"model":"openai/text-embedding-3-small"}}}""")))
                .isEqualTo(parse("{\"model\":\"openai/text-embedding-3-small\",\"input\":[\"a\",\"b\"]}"));
        assertThat(AigneMediaApi.toEmbeddingsRequest(JSON, parse("{\"model\":\"openai/text-embedding-3-small\",\"input\":\"a\"}")))
                .isEqualTo(parse("{\"model\":\"openai/text-embedding-3-small\",\"input\":\"a\"}"));
        assertThatThrownBy(() -> AigneMediaApi.toEmbeddingsRequest(JSON, parse("{\"input\":\"a\"}")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("Model is required for embedding");

        ObjectNode answer = AigneMediaApi.fromEmbeddingsResponse(JSON, parse("""
                {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292]}],
                 "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}"""), "openai/text-embedding-3-small");
        assertThat(n(answer)).isEqualTo(parse("""
                {"data":[{"embedding":[0.0023064255,-0.009327292]}],"embeddings":[[0.0023064255,-0.009327292]],
                 "usage":{"inputTokens":8,"outputTokens":0},"model":"text-embedding-3-small",
                 "modelWithProvider":"openai/text-embedding-3-small"}"""));
    }

    @Test
    void translatesImages() {
        assertThat(AigneMediaApi.toImagesRequest(JSON, parse("""
                {"agent":"openai/dall-e-3","input":{"prompt":"A cute baby sea otter","size":"1024x1024","n":1,
                 "responseFormat":"b64_json","outputFileType":"url","modelOptions":{"model":"openai/dall-e-3"}}}""")))
                .isEqualTo(parse("""
                        {"model":"openai/dall-e-3","prompt":"A cute baby sea otter","n":1,"size":"1024x1024","response_format":"b64_json"}"""));
        assertThatThrownBy(() -> AigneMediaApi.toImagesRequest(JSON, parse("{\"model\":\"m\",\"input\":{}}")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("prompt");

        ObjectNode answer = AigneMediaApi.fromImagesResponse(JSON, parse("""
                {"created":1713833628,"data":[{"b64_json":"iVBORw0KGgo"}],
                 "usage":{"total_tokens":100,"input_tokens":50,"output_tokens":50}}"""), "openai/gpt-image-1");
        assertThat(n(answer)).isEqualTo(parse("""
                {"images":[{"type":"file","data":"iVBORw0KGgo","mimeType":"image/png"}],"data":[{"b64Json":"iVBORw0KGgo"}],
                 "usage":{"inputTokens":50,"outputTokens":50},"model":"openai/gpt-image-1","modelWithProvider":"openai/gpt-image-1"}"""));
    }

    @Test
    void answersStatus() {
        assertThat(AigneMediaApi.status(JSON, true, null, 200)).isEqualTo(parse("{\"available\":true}"));
        assertThat(AigneMediaApi.status(JSON, false, "Model openai/x is not supported", 400))
                .isEqualTo(parse("{\"available\":false,\"error\":\"Model openai/x is not supported\",\"code\":400}"));
    }
}
