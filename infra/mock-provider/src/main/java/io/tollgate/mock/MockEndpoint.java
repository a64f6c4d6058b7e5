package io.tollgate.mock;

/** The provider-API endpoints the mock counts requests for; control endpoints under /_mock are not counted. */
public enum MockEndpoint {
    OPENAI_CHAT_COMPLETIONS("openai.chat.completions"),
    OPENAI_EMBEDDINGS("openai.embeddings"),
    OPENAI_MODELS("openai.models"),
    OPENAI_AUDIO_TRANSCRIPTIONS("openai.audio.transcriptions"),
    OPENAI_AUDIO_SPEECH("openai.audio.speech"),
    ANTHROPIC_MESSAGES("anthropic.messages"),
    ANTHROPIC_COUNT_TOKENS("anthropic.countTokens"),
    GEMINI_GENERATE_CONTENT("gemini.generateContent"),
    GEMINI_STREAM_GENERATE_CONTENT("gemini.streamGenerateContent"),
    /** Any path the mock does not serve; answered 404. */
    UNKNOWN("unknown");

    private final String key;

    MockEndpoint(String key) {
        this.key = key;
    }

    /** The name used for this endpoint in {@code GET /_mock/stats}. */
    public String key() {
        return key;
    }
}
