package io.tollgate.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 answer read straight off a socket, for tests that must see what a client library hides: the bytes
 * Tomcat sends after refusing a body, or whether it keeps the connection.
 *
 * @param headers the status line and header lines as sent, ending in an empty line
 */
public record RawHttpReply(int status, String headers, String body) {

    /** Whether the server said it closes the connection after this answer. */
    public boolean closesConnection() {
        return headers.toLowerCase().contains("\r\nconnection: close");
    }

    /** Reads one answer: to its Content-Length, its last chunk, or the end of the stream. */
    public static RawHttpReply read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(headers.substring(9, 12));
        String lower = headers.toLowerCase();
        byte[] body;
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
            body = in.readNBytes(length);
        } else if (lower.contains("transfer-encoding: chunked")) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            while (true) {
                int length = Integer.parseInt(readLine(in).trim(), 16);
                if (length == 0) {
                    break;
                }
                chunks.write(in.readNBytes(length));
                readLine(in);
            }
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new RawHttpReply(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
