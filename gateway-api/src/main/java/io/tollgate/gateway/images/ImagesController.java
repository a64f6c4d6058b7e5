package io.tollgate.gateway.images;

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

/** OpenAI's image generation endpoint. */
@RestController
class ImagesController {
    private final ImagesService images;

    ImagesController(ImagesService images) {
        this.images = images;
    }

    @PostMapping(path = "/v1/images/generations", consumes = MediaType.APPLICATION_JSON_VALUE)
    void generate(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                  HttpServletRequest request, HttpServletResponse response) throws IOException {
        images.generate(caller, body, ImagesService.API_FORMAT, UnaryOperator.identity(), request, response);
    }
}
