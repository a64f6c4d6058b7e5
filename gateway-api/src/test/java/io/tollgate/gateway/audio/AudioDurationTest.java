package io.tollgate.gateway.audio;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AudioDurationTest {

    /** A 16-bit mono PCM WAV of this many samples at this rate, with an extra chunk before its data. */
    static byte[] wav(int sampleRate, int samples, int declaredDataBytes) {
        int data = samples * 2;
        ByteBuffer wav = ByteBuffer.allocate(44 + 12 + data).order(ByteOrder.LITTLE_ENDIAN);
        wav.put(ascii("RIFF")).putInt(36 + 12 + data).put(ascii("WAVE"))
                .put(ascii("fmt ")).putInt(16).putShort((short) 1).putShort((short) 1).putInt(sampleRate)
                .putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16)
                .put(ascii("LIST")).putInt(4).put(ascii("INFO"))
                .put(ascii("data")).putInt(declaredDataBytes).put(new byte[data]);
        return wav.array();
    }

    /** MPEG-1 layer III frames at 128 kbps, 44.1 kHz: 417 or 418 bytes, 1152 samples each. */
    static byte[] mp3(int frames, boolean id3Tag) {
        var out = new java.io.ByteArrayOutputStream();
        if (id3Tag) {
            out.writeBytes(new byte[]{'I', 'D', '3', 4, 0, 0, 0, 0, 1, 0}); // a 128-byte tag
            out.writeBytes(new byte[128]);
        }
        for (int i = 0; i < frames; i++) {
            boolean padded = i % 2 == 1;
            byte[] frame = new byte[padded ? 418 : 417];
            frame[0] = (byte) 0xFF;
            frame[1] = (byte) 0xFB;
            frame[2] = (byte) (0x90 | (padded ? 0x02 : 0));
            frame[3] = (byte) 0x64;
            out.writeBytes(frame);
        }
        out.writeBytes("TAG".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(new byte[125]);
        return out.toByteArray();
    }

    @Test
    void aWavPlaysForItsDataAtItsByteRate() throws IOException {
        assertThat(AudioDuration.measure(in(wav(16_000, 48_000, 96_000))).orElseThrow()).isEqualTo(3.0);
    }

    @Test
    void aWavClaimingMoreDataThanItHasIsMeasuredByWhatItHas() throws IOException {
        assertThat(AudioDuration.measure(in(wav(16_000, 16_000, Integer.MAX_VALUE))).orElseThrow()).isEqualTo(1.0);
        assertThat(AudioDuration.measure(in(wav(16_000, 16_000, 0))).orElseThrow()).isEqualTo(1.0);
    }

    @Test
    void anMp3PlaysForItsFramesAfterAnyTag() throws IOException {
        double oneFrame = 1152.0 / 44_100;

        assertThat(AudioDuration.measure(in(mp3(100, true))).orElseThrow()).isCloseTo(100 * oneFrame, within(1e-9));
        assertThat(AudioDuration.measure(in(mp3(40, false))).orElseThrow()).isCloseTo(40 * oneFrame, within(1e-9));
    }

    @Test
    void otherBytesAreNotMeasured() throws IOException {
        byte[] noise = new byte[100_000];
        new Random(7).nextBytes(noise);
        noise[0] = 'O';
        noise[1] = 'g';

        assertThat(AudioDuration.measure(in("OggS not really".getBytes(StandardCharsets.ISO_8859_1)))).isEmpty();
        assertThat(AudioDuration.measure(in(new byte[0]))).isEmpty();
        assertThat(AudioDuration.measure(in(mp3(1, false)))).isEmpty();
        assertThat(AudioDuration.measure(in(noise))).isEmpty();
    }

    private static ByteArrayInputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
