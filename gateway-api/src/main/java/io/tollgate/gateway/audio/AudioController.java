package io.tollgate.gateway.audio;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import java.io.IOException;

/** OpenAI's audio endpoints: transcription of an upload, and speech from text. */
@RestController
public class AudioController {
    static final String TRANSCRIPTIONS = "/v1/audio/transcriptions";

    private final AudioService audio;

    AudioController(AudioService audio) {
        this.audio = audio;
    }

    @PostMapping(TRANSCRIPTIONS)
    void transcribe(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller, HttpServletRequest request,
                    HttpServletResponse response) throws IOException {
        audio.transcribe(caller, form(request), AudioService.TRANSCRIPTION_FORMAT, request, response);
    }

    @PostMapping(path = "/v1/audio/speech", consumes = MediaType.APPLICATION_JSON_VALUE)
    void speak(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
               HttpServletRequest request, HttpServletResponse response) throws IOException {
        audio.speak(caller, body, AudioService.SPEECH_FORMAT, request, response);
    }

    /** The upload, read by the servlet container only now (multipart resolution is lazy: no other route parses forms). */
    public static AudioService.TranscriptionForm form(HttpServletRequest request) {
        if (!(request instanceof MultipartHttpServletRequest multipart)) {
            throw new GatewayException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "unsupported_media_type",
                    "Send the audio as multipart/form-data with a 'file' part and a 'model' field.");
        }
        return new AudioService.TranscriptionForm(multipart.getFile("file"), multipart.getParameterMap());
    }
}
