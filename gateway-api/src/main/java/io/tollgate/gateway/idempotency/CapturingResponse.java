package io.tollgate.gateway.idempotency;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.http.HttpHeaders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Passes the response through to the client unchanged (an SSE stream still flushes event by event) and
 * keeps a copy of what the handler wrote, up to a limit, for replay.
 *
 * <p>It withholds Content-Length: without it the container can only end the response (last chunk, or a
 * Content-Length it computes itself) after the filter has stored the outcome. A client that retries the
 * moment it has the whole answer then finds the key completed, never still in progress.
 */
final class CapturingResponse extends HttpServletResponseWrapper {
    private final int maxCaptured;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private boolean overflowed;
    /** Once a write to the client failed, nothing more is part of the answer (not an error page written after it). */
    private boolean clientGone;
    private TeeOutputStream outputStream;
    private PrintWriter writer;

    CapturingResponse(HttpServletResponse response, int maxCaptured) {
        super(response);
        this.maxCaptured = maxCaptured;
    }

    /** The response as the handler wrote it; its body is null when it was larger than the limit. */
    StoredResponse toStoredResponse() {
        if (writer != null) {
            writer.flush();
        }
        Map<String, List<String>> replayed = new LinkedHashMap<>();
        for (String name : getHeaderNames()) {
            if (IdempotencyFilter.isReplayedHeader(name)) {
                replayed.putIfAbsent(name.toLowerCase(), new ArrayList<>(getHeaders(name)));
            }
        }
        return new StoredResponse(getStatus(), getContentType(), replayed, overflowed ? null : captured.toByteArray());
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (outputStream == null) {
            outputStream = new TeeOutputStream(super.getOutputStream());
        }
        return outputStream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), Charset.forName(getCharacterEncoding())));
        }
        return writer;
    }

    @Override
    public void setContentLength(int length) {
        // withheld, see the class comment
    }

    @Override
    public void setContentLengthLong(long length) {
        // withheld, see the class comment
    }

    @Override
    public void setHeader(String name, String value) {
        if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
            super.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
            super.addHeader(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
            super.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
            super.addIntHeader(name, value);
        }
    }

    /** Spring resets the buffer to render an error instead of a half-written answer; the copy follows suit. */
    @Override
    public void resetBuffer() {
        super.resetBuffer(); // throws once committed: then what was sent stays sent, and kept
        discardCapture();
    }

    @Override
    public void reset() {
        super.reset();
        discardCapture();
    }

    private void discardCapture() {
        captured.reset();
        overflowed = false;
    }

    private void capture(byte[] bytes, int offset, int length) {
        if (overflowed || clientGone) {
            return;
        }
        if (captured.size() + length > maxCaptured) {
            overflowed = true;
            captured.reset(); // nothing of it will be kept; free the memory now
            return;
        }
        captured.write(bytes, offset, length);
    }

    /**
     * Keeps each write before passing it on, so that a client that left mid-answer and retries gets the
     * whole answer it was charged for.
     */
    private final class TeeOutputStream extends ServletOutputStream {
        private final ServletOutputStream client;

        TeeOutputStream(ServletOutputStream client) {
            this.client = client;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            capture(bytes, offset, length);
            try {
                client.write(bytes, offset, length);
            } catch (IOException disconnected) {
                clientGone = true;
                throw disconnected;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                client.flush();
            } catch (IOException disconnected) {
                clientGone = true;
                throw disconnected;
            }
        }

        /** Closing would end the response before its outcome is stored; the container closes it after the filter. */
        @Override
        public void close() throws IOException {
            flush();
        }

        @Override
        public boolean isReady() {
            return client.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            client.setWriteListener(listener);
        }
    }
}
