package io.tollgate.gateway.edge;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * The routes that take an upload (the audio transcriptions), and how large. Forms are parsed by the servlet
 * container, lazily (only these routes ask for theirs: {@code spring.servlet.multipart.resolve-lazily}), into
 * temporary files rather than memory, and never beyond these routes' body limit, chunked or not.
 */
@Configuration(proxyBeanMethods = false)
public class UploadRoutes {
    /** Room for an upload form's fields besides the file (model, prompt, language, …). */
    public static final DataSize FORM_ALLOWANCE = DataSize.ofKilobytes(64);

    private static final String V1_TRANSCRIPTIONS = "/v1/audio/transcriptions";
    private static final String AIGNE_TRANSCRIPTIONS = "/api/v2/audio/transcriptions";

    public static boolean isUploadPath(String path) {
        return path.equals(V1_TRANSCRIPTIONS) || path.equals(AIGNE_TRANSCRIPTIONS);
    }

    /**
     * Whether a request is for an upload route, by the path the servlet container matched (decoded and
     * normalised, as the key filter judges it), so that a path spelt differently gets no other limit.
     */
    static boolean isUploadRequest(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return isUploadPath(path.isEmpty() ? request.getRequestURI() : path);
    }

    @Bean
    MultipartConfigElement multipartConfigElement(EdgeProperties edge) {
        // No limit per file here: the route refuses a file over max-upload-size with its own 413.
        return new MultipartConfigElement("", -1, edge.maxUploadBodyBytes(), 0);
    }
}
