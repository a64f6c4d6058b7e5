package io.tollgate.gateway.audio;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The audio endpoints ({@code tollgate.audio.*}).
 *
 * @param maxUploadSize    the largest audio file a transcription takes (OpenAI's limit is 25 MB); the body limit
 *                         of the transcription routes is this plus {@link #FORM_ALLOWANCE} for the form's other
 *                         fields, whatever {@code tollgate.edge.max-body-size} says for the other endpoints
 * @param bitrateFloorKbps an upload whose length the gateway cannot measure (not WAV or MP3) is held as if it
 *                         played at this bitrate, the lowest a speech codec goes in practice: the worst case
 */
@ConfigurationProperties("tollgate.audio")
public record AudioProperties(@DefaultValue("25MB") DataSize maxUploadSize,
                              @DefaultValue("8") int bitrateFloorKbps) {
    /** Room for a transcription form's fields besides the file (model, prompt, language, …). */
    public static final DataSize FORM_ALLOWANCE = DataSize.ofKilobytes(64);

    public AudioProperties {
        if (maxUploadSize.toBytes() < 1024) {
            throw new IllegalArgumentException("tollgate.audio.max-upload-size must be at least 1KB");
        }
        if (bitrateFloorKbps < 1) {
            throw new IllegalArgumentException("tollgate.audio.bitrate-floor-kbps must be at least 1");
        }
    }

    /** The body limit of the transcription routes. */
    public long maxBodyBytes() {
        return maxUploadSize.toBytes() + FORM_ALLOWANCE.toBytes();
    }

    /** The seconds an upload of this size plays at most, at the bitrate floor. */
    long worstCaseSeconds(long bytes) {
        long bytesPerSecond = bitrateFloorKbps * 1000L / 8;
        return Math.max(1, (bytes + bytesPerSecond - 1) / bytesPerSecond);
    }
}
