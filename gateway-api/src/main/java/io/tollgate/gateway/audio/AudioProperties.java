package io.tollgate.gateway.audio;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How audio is held ({@code tollgate.audio.*}); how large an upload may be is the edge's
 * ({@code tollgate.edge.max-upload-size}).
 *
 * @param bitrateFloorKbps an upload whose length the gateway cannot measure (not WAV or MP3) is held as if it
 *                         played at this bitrate, the lowest a speech codec goes in practice: the worst case
 */
@ConfigurationProperties("tollgate.audio")
public record AudioProperties(@DefaultValue("8") int bitrateFloorKbps) {

    public AudioProperties {
        if (bitrateFloorKbps < 1) {
            throw new IllegalArgumentException("tollgate.audio.bitrate-floor-kbps must be at least 1");
        }
    }

    /** The seconds an upload of this size plays at most, at the bitrate floor. */
    long worstCaseSeconds(long bytes) {
        long bytesPerSecond = bitrateFloorKbps * 1000L / 8;
        return Math.max(1, (bytes + bytesPerSecond - 1) / bytesPerSecond);
    }
}
