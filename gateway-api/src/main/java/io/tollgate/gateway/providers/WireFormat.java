package io.tollgate.gateway.providers;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The wire family a provider speaks; adapters exist per family, not per vendor. */
public enum WireFormat {
    /** OpenAI's chat completions API, spoken by OpenAI and every OpenAI-compatible server. */
    OPENAI,
    /** Anthropic's Messages API. */
    ANTHROPIC,
    /** Google's Gemini API (generateContent, streamGenerateContent). */
    GEMINI,
    /** Amazon Bedrock's Converse API (Converse, ConverseStream), signed with SigV4. */
    BEDROCK,
    /** Ideogram's image generation API: images only. */
    IDEOGRAM;

    public static WireFormat parse(String value) {
        if ("google".equalsIgnoreCase(value)) {
            return GEMINI;
        }
        for (WireFormat format : values()) {
            if (format.name().equalsIgnoreCase(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown wireFormat '" + value + "'; supported: "
                + Arrays.stream(values()).map(f -> f.name().toLowerCase()).collect(Collectors.joining(", ")));
    }
}
