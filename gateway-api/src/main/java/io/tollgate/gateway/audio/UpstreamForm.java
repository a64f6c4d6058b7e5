package io.tollgate.gateway.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A transcription form as it goes upstream: the client's fields that OpenAI's API defines, then the file,
 * streamed from where the servlet container keeps the upload and sent with its length (some servers refuse
 * a chunked form). Each send opens the upload afresh, so failover to the next deployment sends it again.
 */
final class UpstreamForm {
    private final String boundary = "tollgate-" + UUID.randomUUID();
    private final Map<String, List<String>> fields = new LinkedHashMap<>();
    private final String filename;
    private final String fileContentType;
    private final long fileSize;
    private final Supplier<InputStream> file;

    UpstreamForm(String filename, String fileContentType, long fileSize, Supplier<InputStream> file) {
        this.filename = filename;
        this.fileContentType = fileContentType;
        this.fileSize = fileSize;
        this.file = file;
    }

    UpstreamForm field(String name, List<String> values) {
        fields.put(name, values);
        return this;
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The form with the deployment's own model name. */
    HttpRequest.BodyPublisher body(String model) {
        var head = new ByteArrayOutputStream();
        part(head, "model", model);
        fields.forEach((name, values) -> values.forEach(value -> part(head, name, value)));
        write(head, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + fileContentType + "\r\n\r\n");
        byte[] opening = head.toByteArray();
        byte[] closing = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        var stream = HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(opening),
                HttpRequest.BodyPublishers.ofInputStream(file),
                HttpRequest.BodyPublishers.ofByteArray(closing));
        return HttpRequest.BodyPublishers.fromPublisher(stream, opening.length + fileSize + closing.length);
    }

    private void part(ByteArrayOutputStream out, String name, String value) {
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n");
    }

    private static void write(ByteArrayOutputStream out, String text) {
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
    }
}
