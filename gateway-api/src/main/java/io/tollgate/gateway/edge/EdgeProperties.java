package io.tollgate.gateway.edge;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * What the gateway accepts at its edge ({@code tollgate.edge.*}).
 *
 * @param maxBodySize   the largest request body of any endpoint; a larger one is answered 413 in the caller's shape
 *                      after at most this many bytes were read (at once when its Content-Length says so). 10 MB holds
 *                      a chat request with a few base64 images; the parsed JSON takes several times the body's size.
 * @param maxUploadSize the largest file an upload route takes (the audio transcriptions: OpenAI's limit is 25 MB);
 *                      those routes' body limit is this plus {@link UploadRoutes#FORM_ALLOWANCE} for the form's other
 *                      fields, instead of maxBodySize
 */
@ConfigurationProperties("tollgate.edge")
public record EdgeProperties(@DefaultValue("10MB") DataSize maxBodySize,
                             @DefaultValue("25MB") DataSize maxUploadSize) {

    public EdgeProperties {
        if (maxBodySize.toBytes() < 1024) {
            throw new IllegalArgumentException("tollgate.edge.max-body-size must be at least 1KB");
        }
        if (maxUploadSize.toBytes() < 1024) {
            throw new IllegalArgumentException("tollgate.edge.max-upload-size must be at least 1KB");
        }
    }

    /** The body limit of the upload routes: the file and the form's other fields. */
    public long maxUploadBodyBytes() {
        return maxUploadSize.toBytes() + UploadRoutes.FORM_ALLOWANCE.toBytes();
    }
}
