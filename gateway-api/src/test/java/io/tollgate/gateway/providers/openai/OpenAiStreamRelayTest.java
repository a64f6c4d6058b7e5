package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay holds a bounded amount of a stream that has not reported usage, and still counts all of it. */
class OpenAiStreamRelayTest {
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final String CHUNK = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":null}]%s}\n\n";

    /** Chunks without a usage key are held unparsed; OpenAI's carry "usage":null, and are parsed anyway. */
    @ParameterizedTest
    @ValueSource(strings = {"", ",\"usage\":null"})
    void aLongStreamWithoutUsageIsHeldBoundedAndCountedWhole(String usageField) throws IOException {
        int chunks = 20_000;
        var relay = new OpenAiStreamRelay(new ObjectMapper(), false, O200K::countTokensOrdinary);
        var maxHeld = new int[1];
        InputStream upstream = new InputStream() {
            private final byte[] stream = stream(chunks, usageField);
            private int at;

            @Override
            public int read() {
                // What the relay holds, sampled as it reads: never more than its bound plus one chunk.
                if (at % 4096 == 0) {
                    maxHeld[0] = Math.max(maxHeld[0], relay.heldPayloadChars());
                }
                return at < stream.length ? stream[at++] & 0xff : -1;
            }
        };

        relay.relay(upstream, new ByteArrayOutputStream());

        assertThat(maxHeld[0]).isLessThanOrEqualTo(OpenAiStreamRelay.HELD_PAYLOAD_CHARS + 200);
        assertThat(relay.usage()).isEmpty();
        // Every chunk carried " word" (one token) as text, reasoning or tool-call arguments.
        assertThat(relay.streamedOutputTokens()).isEqualTo(chunks);
    }

    @Test
    void aStreamThatReportsUsageIsBilledByItsUsage() throws IOException {
        var relay = new OpenAiStreamRelay(new ObjectMapper(), false, O200K::countTokensOrdinary);
        String withUsage = new String(stream(10, ""), StandardCharsets.UTF_8)
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":10}}\n\ndata: [DONE]\n\n";

        relay.relay(new ByteArrayInputStream(withUsage.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream());

        assertThat(relay.usage()).hasValueSatisfying(usage -> assertThat(usage.outputTokens()).isEqualTo(10));
        assertThat(relay.heldPayloadChars()).isZero();
    }

    @Test
    void outputStringsAreFoundInARawChunkWithTheirEscapes() {
        var seen = new StringBuilder();
        var tally = new OutputTally(text -> {
            seen.append(text);
            return text.length();
        });

        tally.addChunkText("{\"choices\":[{\"delta\":{\"content\":\"a\\\"b\\\\\\n\\u00e9 \\\"content\\\":x\","
                + "\"refusal\":null,\"tool_calls\":[{\"function\":{\"name\": \"f\",\"arguments\":\"{}\"}}]}}]}");

        assertThat(tally.tokens()).isEqualTo(seen.length());
        assertThat(seen.toString()).isEqualTo("a\"b\\\n\u00e9 \"content\":xf{}");
    }

    private static byte[] stream(int chunks, String usageField) {
        var text = new StringBuilder();
        for (int i = 0; i < chunks; i++) {
            String delta = switch (i % 3) {
                case 0 -> "{\"content\":\" word\"}";
                case 1 -> "{\"reasoning_content\":\" word\"}";
                default -> "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" word\"}}]}";
            };
            text.append(CHUNK.formatted(delta, usageField));
        }
        text.append("data: [DONE]\n\n");
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
