package io.tollgate.gateway.errors;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body OpenAI's API answers errors with: {"error":{"message","type","param","code"}}. */
public record OpenAiError(Detail error) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(String message, String type, String param, String code) {
    }

    public static OpenAiError of(String message, String type, String code) {
        return new OpenAiError(new Detail(message, type, null, code));
    }
}
