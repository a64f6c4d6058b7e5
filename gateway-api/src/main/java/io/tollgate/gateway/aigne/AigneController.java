package io.tollgate.gateway.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.audio.AudioController;
import io.tollgate.gateway.audio.AudioService;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.chat.ChatService;
import io.tollgate.gateway.embeddings.EmbeddingsService;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.formats.ForwardingClientFormat;
import io.tollgate.gateway.formats.aigne.AigneChatCompletionsFormat;
import io.tollgate.gateway.formats.aigne.AigneChatFormat;
import io.tollgate.gateway.formats.aigne.AigneMediaApi;
import io.tollgate.gateway.images.ImagesService;
import io.tollgate.gateway.routing.ModelRouter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/**
 * AIGNE Hub's v2 API, so that AIGNE clients only change their base URL: chat completions (camelCase),
 * the framework's chat shape, status, embeddings, images and audio. Billing is Tollgate's own.
 */
@RestController
@RequestMapping("/api/v2")
class AigneController {
    private final ChatService chat;
    private final EmbeddingsService embeddings;
    private final ImagesService images;
    private final AudioService audio;
    private final AigneChatCompletionsFormat completions;
    private final AigneChatFormat framework;
    private final ModelRouter router;
    private final ObjectMapper json;

    AigneController(ChatService chat, EmbeddingsService embeddings, ImagesService images, AudioService audio,
                    AigneChatCompletionsFormat completions, AigneChatFormat framework, ModelRouter router,
                    ObjectMapper json) {
        this.audio = audio;
        this.chat = chat;
        this.embeddings = embeddings;
        this.images = images;
        this.completions = completions;
        this.framework = framework;
        this.router = router;
        this.json = json;
    }

    /** AIGNE Hub streams whenever the client accepts an event stream, whatever the body says. */
    @PostMapping(path = "/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    void chatCompletions(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                         HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean acceptsEventStream = String.valueOf(request.getHeader(HttpHeaders.ACCEPT))
                .contains(MediaType.TEXT_EVENT_STREAM_VALUE);
        chat.complete(caller, new ForwardingClientFormat(completions) {
            @Override
            public ObjectNode toChatRequest(JsonNode clientBody) {
                return completions.toChatRequest(clientBody, acceptsEventStream);
            }
        }, body, request, response);
    }

    @PostMapping(path = "/chat", consumes = MediaType.APPLICATION_JSON_VALUE)
    void frameworkChat(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                       HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean jsonOutput = AigneChatFormat.wantsJson(body);
        chat.complete(caller, new ForwardingClientFormat(framework) {
            @Override
            public JsonNode fromChatCompletion(ObjectNode completion, String model) {
                return framework.fromChatCompletion(completion, model, jsonOutput);
            }

            @Override
            public ClientStream stream(String model) {
                return framework.stream(model, jsonOutput);
            }
        }, body, request, response);
    }

    /** Whether a model can be called now; always 200, as AIGNE Hub answers it. */
    @GetMapping("/status")
    ObjectNode status(@RequestParam(required = false) String model) {
        if (model == null || model.isBlank()) {
            return AigneMediaApi.status(json, false, "model is required", 400);
        }
        try {
            router.resolve(model);
            return AigneMediaApi.status(json, true, null, 200);
        } catch (GatewayException unavailable) {
            return AigneMediaApi.status(json, false, unavailable.getMessage(), unavailable.status().value());
        }
    }

    @PostMapping(path = "/embeddings", consumes = MediaType.APPLICATION_JSON_VALUE)
    void embeddings(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                    HttpServletRequest request, HttpServletResponse response) throws IOException {
        ObjectNode openAi = AigneMediaApi.toEmbeddingsRequest(json, body);
        String model = openAi.path("model").asText();
        embeddings.embed(caller, openAi, "aigne.embeddings",
                answer -> AigneMediaApi.fromEmbeddingsResponse(json, answer, model), request, response);
    }

    /** AIGNE Hub relays OpenAI's audio API as it is (its v2 audio routes proxy it): the same form and answers. */
    @PostMapping("/audio/transcriptions")
    void transcribe(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller, HttpServletRequest request,
                    HttpServletResponse response) throws IOException {
        audio.transcribe(caller, AudioController.form(request), "aigne.audio.transcriptions", request, response);
    }

    @PostMapping(path = "/audio/speech", consumes = MediaType.APPLICATION_JSON_VALUE)
    void speak(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
               HttpServletRequest request, HttpServletResponse response) throws IOException {
        audio.speak(caller, body, "aigne.audio.speech", request, response);
    }

    @PostMapping(path = "/image", consumes = MediaType.APPLICATION_JSON_VALUE)
    void image(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
               HttpServletRequest request, HttpServletResponse response) throws IOException {
        ObjectNode openAi = AigneMediaApi.toImagesRequest(json, body);
        String model = openAi.path("model").asText();
        images.generate(caller, openAi, "aigne.image",
                answer -> AigneMediaApi.fromImagesResponse(json, answer, model), request, response);
    }
}
