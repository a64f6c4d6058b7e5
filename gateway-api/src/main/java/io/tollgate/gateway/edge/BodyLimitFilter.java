package io.tollgate.gateway.edge;

import io.tollgate.gateway.errors.ErrorResponses;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * {@code tollgate.edge.max-body-size} on every endpoint, before anything buffers a body: a declared Content-Length
 * over the limit is answered 413 at once, and a chunked body's stream fails with {@link BodyTooLarge} after the
 * limit, which becomes a 413 too. Either way at most the limit is read, never the whole body. The audio
 * transcription routes take an upload of up to {@code tollgate.edge.max-upload-size} (OpenAI's 25 MB) instead;
 * their form is parsed by the servlet container, bounded by the same limit ({@link UploadRoutes}).
 */
@Component
public class BodyLimitFilter extends OncePerRequestFilter {
    private final long defaultLimit;
    private final long uploadLimit;
    private final ErrorResponses errors;

    BodyLimitFilter(EdgeProperties properties, ErrorResponses errors) {
        this.defaultLimit = properties.maxBodySize().toBytes();
        this.uploadLimit = Math.max(defaultLimit, properties.maxUploadBodyBytes());
        this.errors = errors;
    }

    public static GatewayException tooLarge(long limit) {
        return new GatewayException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large",
                "The request body is larger than the gateway's limit of " + limit + " bytes.");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = UploadRoutes.isUploadRequest(request) ? uploadLimit : defaultLimit;
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            errors.write(request, response, tooLarge(limit).withHeader("Connection", "close"));
            return;
        }
        // With a Content-Length the container delivers no more than it says; only a chunked body needs counting.
        HttpServletRequest limited = declared < 0 ? new LimitedBodyRequest(request, limit) : request;
        try {
            chain.doFilter(limited, response);
        } catch (IOException | ServletException | RuntimeException failure) {
            if (BodyTooLarge.in(failure) == null || response.isCommitted()) {
                throw failure;
            }
            response.reset();
            errors.write(request, response, tooLarge(limit).withHeader("Connection", "close"));
        }
    }

    private static final class LimitedBodyRequest extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedBodyRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.UTF_8;
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream body;
        private final long limit;
        private long read;

        LimitedStream(ServletInputStream body, long limit) {
            this.body = body;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = body.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = body.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLarge {
            read += n;
            if (read > limit) {
                throw new BodyTooLarge(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return body.isFinished();
        }

        @Override
        public boolean isReady() {
            return body.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            body.setReadListener(listener);
        }
    }
}
