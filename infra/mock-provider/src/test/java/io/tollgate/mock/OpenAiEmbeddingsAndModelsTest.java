package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OpenAiEmbeddingsAndModelsTest extends MockProviderTestSupport {

    @Test
    void embedsEachInputWithWordCountUsage() {
        HttpResponse<String> response = post("/v1/embeddings",
                "{\"model\": \"text-embedding-3-small\", \"input\": [\"hello world\", \"one  two three\"]}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(body.get("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode item = body.get("data").get(i);
            assertThat(item.get("object").asText()).isEqualTo("embedding");
            assertThat(item.get("index").asInt()).isEqualTo(i);
            assertThat(item.get("embedding")).hasSize(8);
            assertThat(length(floats(item.get("embedding")))).isCloseTo(1.0, within(1e-5));
        }
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void vectorsDependOnlyOnTheInputText() {
        List<Float> first = floats(embed("{\"model\": \"e\", \"input\": \"the same text\"}").get(0).get("embedding"));
        JsonNode mixed = embed("{\"model\": \"e\", \"input\": [\"other text\", \"the same text\"]}");
        MockProvider secondServer = MockProvider.start(MockProviderConfig.defaults());
        List<Float> fromSecondServer;
        try {
            fromSecondServer = floats(json(send(postTo(secondServer.baseUrl() + "/v1/embeddings",
                    "{\"model\": \"e\", \"input\": \"the same text\"}"))).get("data").get(0).get("embedding"));
        } finally {
            secondServer.close();
        }

        assertThat(floats(mixed.get(1).get("embedding"))).isEqualTo(first);
        assertThat(floats(mixed.get(0).get("embedding"))).isNotEqualTo(first);
        assertThat(fromSecondServer).isEqualTo(first);
    }

    @Test
    void dimensionsSetTheVectorLength() {
        JsonNode data = embed("{\"model\": \"e\", \"input\": \"x\", \"dimensions\": 16}");

        assertThat(data.get(0).get("embedding")).hasSize(16);
    }

    @Test
    void base64EncodingCarriesTheSameLittleEndianFloats() {
        List<Float> asFloats = floats(embed("{\"model\": \"e\", \"input\": \"abc\"}").get(0).get("embedding"));
        String asBase64 = embed("{\"model\": \"e\", \"input\": \"abc\", \"encoding_format\": \"base64\"}")
                .get(0).get("embedding").asText();

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(asBase64)).order(ByteOrder.LITTLE_ENDIAN);
        List<Float> decoded = new ArrayList<>();
        while (bytes.hasRemaining()) {
            decoded.add(bytes.getFloat());
        }
        assertThat(decoded).isEqualTo(asFloats);
    }

    @Test
    void tokenArrayInputsCountTheirTokens() {
        JsonNode body = json(post("/v1/embeddings", "{\"model\": \"e\", \"input\": [[1, 2, 3], [4, 5]]}"));

        assertThat(body.get("data")).hasSize(2);
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void missingInputIsA400() {
        HttpResponse<String> response = post("/v1/embeddings", "{\"model\": \"e\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").get("param").asText()).isEqualTo("input");
    }

    @Test
    void listsModelsInOpenAiListShape() {
        HttpResponse<String> response = get("/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("data").findValuesAsText("id")).contains("mock-gpt", "mock-embedding", "mock-fail-429");
        assertThat(body.get("data")).allSatisfy(model -> {
            assertThat(model.get("object").asText()).isEqualTo("model");
            assertThat(model.get("owned_by").asText()).isNotBlank();
        });
        assertThat(provider.requestCount(MockEndpoint.OPENAI_MODELS)).isEqualTo(1);
    }

    private JsonNode embed(String request) {
        HttpResponse<String> response = post("/v1/embeddings", request);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).get("data");
    }

    private static HttpRequest postTo(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static List<Float> floats(JsonNode array) {
        List<Float> values = new ArrayList<>();
        array.forEach(value -> values.add(value.floatValue()));
        return values;
    }

    private static double length(List<Float> vector) {
        return Math.sqrt(vector.stream().mapToDouble(value -> value * value).sum());
    }
}
