package io.tollgate.gateway.audio;

import jakarta.servlet.MultipartConfigElement;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where uploads are taken, and how large. Forms are parsed by the servlet container, lazily (only the
 * transcription routes ask for theirs: {@code spring.servlet.multipart.resolve-lazily}), into temporary
 * files rather than memory, and never beyond the transcription routes' body limit, chunked or not.
 */
@Configuration(proxyBeanMethods = false)
public class AudioUploads {
    private static final String V1 = "/v1/audio/transcriptions";
    private static final String AIGNE = "/api/v2/audio/transcriptions";

    public static boolean isUploadPath(String path) {
        return path.equals(V1) || path.equals(AIGNE);
    }

    @Bean
    MultipartConfigElement multipartConfigElement(AudioProperties audio) {
        // No limit per file here: the service refuses a file over max-upload-size with its own 413.
        return new MultipartConfigElement("", -1, audio.maxBodyBytes(), 0);
    }
}
