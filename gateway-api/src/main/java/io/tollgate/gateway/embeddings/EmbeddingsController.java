package io.tollgate.gateway.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.auth.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.util.function.UnaryOperator;

/** OpenAI's embeddings endpoint. */
@RestController
class EmbeddingsController {
    private final EmbeddingsService embeddings;

    EmbeddingsController(EmbeddingsService embeddings) {
        this.embeddings = embeddings;
    }

    @PostMapping(path = "/v1/embeddings", consumes = MediaType.APPLICATION_JSON_VALUE)
    void embed(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
               HttpServletRequest request, HttpServletResponse response) throws IOException {
        embeddings.embed(caller, body, EmbeddingsService.API_FORMAT, UnaryOperator.identity(), request, response);
    }
}
