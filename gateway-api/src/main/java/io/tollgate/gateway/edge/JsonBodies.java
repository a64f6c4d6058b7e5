package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Reads a JSON request body as a tree, with the mapper and the errors of {@code @RequestBody JsonNode}, for the
 * chat endpoints. Spring MVC's argument resolution (converter selection, a copy of every header, validation
 * hints) cost about a tenth of the chat path's CPU, measured, for what is one parse here.
 */
@Component
public class JsonBodies {
    private final ObjectMapper json;

    JsonBodies(ObjectMapper json) {
        this.json = json;
    }

    /** @throws HttpMessageNotReadableException for an empty or malformed body, as Spring's converter would */
    public JsonNode read(HttpServletRequest request) {
        JsonNode body;
        try {
            String declared = request.getCharacterEncoding();
            Charset charset = declared == null ? StandardCharsets.UTF_8 : Charset.forName(declared);
            body = charset.equals(StandardCharsets.UTF_8) ? json.readTree(request.getInputStream())
                    : json.readTree(new InputStreamReader(request.getInputStream(), charset));
        } catch (IOException | IllegalArgumentException unreadable) {
            throw new HttpMessageNotReadableException("JSON parse error: " + unreadable.getMessage(), unreadable,
                    new ServletServerHttpRequest(request));
        }
        if (body == null || body.isMissingNode()) {
            throw new HttpMessageNotReadableException("Required request body is missing",
                    new ServletServerHttpRequest(request));
        }
        return body;
    }
}
