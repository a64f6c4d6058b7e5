package io.tollgate.mock;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A multipart/form-data body, whole in memory (the mock's uploads are small): its fields and its files. */
final class MultipartForm {
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("\\bfilename=\"([^\"]*)\"");

    record FilePart(String filename, String contentType, byte[] bytes) {
    }

    final Map<String, String> fields = new LinkedHashMap<>();
    final Map<String, FilePart> files = new LinkedHashMap<>();

    /** Null when the content type is not a multipart form or the body is not one. */
    static MultipartForm parse(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase().startsWith("multipart/form-data")) {
            return null;
        }
        Matcher boundaryMatch = BOUNDARY.matcher(contentType);
        if (!boundaryMatch.find()) {
            return null;
        }
        String boundary = boundaryMatch.group(1) != null ? boundaryMatch.group(1) : boundaryMatch.group(2);
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        var form = new MultipartForm();
        int at = indexOf(body, delimiter, 0);
        if (at < 0) {
            return null;
        }
        while (true) {
            int partStart = at + delimiter.length;
            if (partStart + 2 <= body.length && body[partStart] == '-' && body[partStart + 1] == '-') {
                return form; // the closing delimiter
            }
            partStart += 2; // CRLF after the delimiter
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), partStart);
            int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), partStart);
            if (headersEnd < 0 || next < 0 || headersEnd > next) {
                return null;
            }
            String headers = new String(body, partStart, headersEnd - partStart, StandardCharsets.UTF_8);
            byte[] content = Arrays.copyOfRange(body, headersEnd + 4, next);
            Matcher name = NAME.matcher(headers);
            if (name.find()) {
                Matcher filename = FILENAME.matcher(headers);
                if (filename.find()) {
                    String type = headers.lines().filter(line -> line.toLowerCase().startsWith("content-type:"))
                            .map(line -> line.substring("content-type:".length()).trim()).findFirst()
                            .orElse("application/octet-stream");
                    form.files.put(name.group(1), new FilePart(filename.group(1), type, content));
                } else {
                    form.fields.putIfAbsent(name.group(1), new String(content, StandardCharsets.UTF_8));
                }
            }
            at = next + 2;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
