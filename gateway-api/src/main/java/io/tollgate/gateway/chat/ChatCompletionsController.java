package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.formats.openai.OpenAiChatFormat;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/** OpenAI's chat completions endpoint, JSON and SSE; honours Idempotency-Key (see the idempotency package). */
@RestController
class ChatCompletionsController {
    private final ChatService chat;
    private final OpenAiChatFormat openAi;

    ChatCompletionsController(ChatService chat, OpenAiChatFormat openAi) {
        this.chat = chat;
        this.openAi = openAi;
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    void complete(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                  HttpServletRequest request, HttpServletResponse response) throws IOException {
        chat.complete(caller, openAi, body, request, response);
    }
}
