package io.tollgate.gateway.chat;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.JsonBodies;
import io.tollgate.gateway.formats.openai.OpenAiChatFormat;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/**
 * OpenAI's chat completions endpoint, JSON and SSE; honours Idempotency-Key (see the idempotency package). A POST of
 * JSON reaches it by its direct route ({@link ChatRoutes}); the mapping answers the rest of what comes to its path.
 */
@RestController
class ChatCompletionsController {
    static final String PATH = "/v1/chat/completions";

    private final ChatService chat;
    private final OpenAiChatFormat openAi;
    private final JsonBodies bodies;

    ChatCompletionsController(ChatService chat, OpenAiChatFormat openAi, JsonBodies bodies) {
        this.chat = chat;
        this.openAi = openAi;
        this.bodies = bodies;
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    void complete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        chat.complete(Caller.of(request), openAi, bodies.read(request), request, response);
    }
}
