package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;

import java.io.IOException;

/** Writes a JSON answer with its length, so that it is never chunked. */
public final class JsonAnswers {
    private JsonAnswers() {
    }

    public static void write(ObjectMapper json, HttpServletResponse response, int status, JsonNode answer)
            throws IOException {
        byte[] body = json.writeValueAsBytes(answer);
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
