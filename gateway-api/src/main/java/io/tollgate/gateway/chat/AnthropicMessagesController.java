package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.formats.anthropic.AnthropicMessagesFormat;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/** Anthropic's Messages API, JSON and SSE, so that Anthropic's SDKs work against Tollgate unchanged. */
@RestController
class AnthropicMessagesController {
    private final ChatService chat;
    private final AnthropicMessagesFormat anthropic;

    AnthropicMessagesController(ChatService chat, AnthropicMessagesFormat anthropic) {
        this.chat = chat;
        this.anthropic = anthropic;
    }

    @PostMapping(path = "/v1/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    void messages(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                  HttpServletRequest request, HttpServletResponse response) throws IOException {
        chat.complete(caller, anthropic, body, request, response);
    }
}
