package io.tollgate.gateway.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalDouble;

/**
 * How long an uploaded recording plays, read from the file itself where its format says so: a WAV's
 * format and data chunks, or an MP3's frames (each frame header gives its bitrate and sample rate, so
 * variable bitrates count right). Anything else (m4a, ogg, webm, flac, a damaged file) is not measured.
 * The file is the client's: nothing it declares is taken beyond the bytes that are really there.
 */
final class AudioDuration {
    /** An MP3 whose first frame is not within this many bytes of its start (after any ID3 tag) is not one. */
    private static final int MP3_SYNC_WINDOW = 4096;

    private AudioDuration() {
    }

    static OptionalDouble measure(InputStream upload) throws IOException {
        var in = new Reader(new BufferedInputStream(upload, 64 * 1024));
        byte[] magic = in.peek(12);
        if (magic.length == 12 && ascii(magic, 0, 4).equals("RIFF") && ascii(magic, 8, 4).equals("WAVE")) {
            return wav(in);
        }
        return mp3(in);
    }

    private static OptionalDouble wav(Reader in) throws IOException {
        in.skip(12);
        long byteRate = 0;
        while (true) {
            byte[] header = in.readUpTo(8);
            if (header.length < 8) {
                return OptionalDouble.empty();
            }
            String id = ascii(header, 0, 4);
            long size = le32(header, 4);
            if (id.equals("fmt ")) {
                byte[] format = in.readUpTo((int) Math.min(size, 64));
                if (format.length < 12) {
                    return OptionalDouble.empty();
                }
                byteRate = le32(format, 8);
                in.skip(size - format.length + (size & 1));
            } else if (id.equals("data")) {
                if (byteRate <= 0) {
                    return OptionalDouble.empty();
                }
                // A streamed WAV says 0 or 0xFFFFFFFF; a lying one says more than it has: the bytes present count.
                long present = in.skip(size == 0 ? Long.MAX_VALUE : size);
                return OptionalDouble.of((double) present / byteRate);
            } else {
                if (in.skip(size + (size & 1)) < size) {
                    return OptionalDouble.empty();
                }
            }
        }
    }

    private static OptionalDouble mp3(Reader in) throws IOException {
        byte[] id3 = in.peek(10);
        if (id3.length == 10 && ascii(id3, 0, 3).equals("ID3")) {
            long tagSize = ((id3[6] & 0x7F) << 21) | ((id3[7] & 0x7F) << 14) | ((id3[8] & 0x7F) << 7) | (id3[9] & 0x7F);
            boolean footer = (id3[5] & 0x10) != 0;
            in.skip(10 + tagSize + (footer ? 10 : 0));
        }
        double seconds = 0;
        int frames = 0;
        long searched = 0;
        while (true) {
            byte[] header = in.peek(4);
            if (header.length < 4) {
                break;
            }
            Mp3Frame frame = Mp3Frame.parse(header);
            if (frame == null) {
                if (frames > 0) {
                    break; // the frames ended: an ID3v1 tag or trailing bytes
                }
                if (++searched > MP3_SYNC_WINDOW) {
                    return OptionalDouble.empty();
                }
                in.skip(1);
                continue;
            }
            long skipped = in.skip(frame.length());
            if (skipped < frame.length()) {
                break; // a cut-off last frame does not play
            }
            seconds += frame.seconds();
            frames++;
        }
        // One lone frame header may be chance in some other format's bytes; an MP3 has a run of them.
        return frames >= 2 ? OptionalDouble.of(seconds) : OptionalDouble.empty();
    }

    /** One MPEG audio frame header (MPEG 1, 2 or 2.5, layers I to III). */
    private record Mp3Frame(int length, double seconds) {
        private static final int[][] BITRATES_KBPS = {
                {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // MPEG 1, layer I
                {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    // MPEG 1, layer II
                {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     // MPEG 1, layer III
                {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    // MPEG 2/2.5, layer I
                {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}};        // MPEG 2/2.5, layers II, III
        private static final int[][] SAMPLE_RATES = {
                {11025, 12000, 8000},   // MPEG 2.5
                null,
                {22050, 24000, 16000},  // MPEG 2
                {44100, 48000, 32000}}; // MPEG 1

        static Mp3Frame parse(byte[] h) {
            if ((h[0] & 0xFF) != 0xFF || (h[1] & 0xE0) != 0xE0) {
                return null;
            }
            int version = (h[1] >> 3) & 3;
            int layer = 4 - ((h[1] >> 1) & 3); // 1, 2 or 3; 4 is reserved
            int bitrateIndex = (h[2] >> 4) & 0xF;
            int sampleRateIndex = (h[2] >> 2) & 3;
            int padding = (h[2] >> 1) & 1;
            if (version == 1 || layer == 4 || bitrateIndex == 0 || bitrateIndex == 15 || sampleRateIndex == 3) {
                return null;
            }
            boolean mpeg1 = version == 3;
            int table = mpeg1 ? layer - 1 : (layer == 1 ? 3 : 4);
            long bitrate = BITRATES_KBPS[table][bitrateIndex] * 1000L;
            int sampleRate = SAMPLE_RATES[version][sampleRateIndex];
            int samples = layer == 1 ? 384 : (layer == 3 && !mpeg1 ? 576 : 1152);
            int length = layer == 1
                    ? (int) ((12 * bitrate / sampleRate + padding) * 4)
                    : (int) (samples / 8 * bitrate / sampleRate + padding);
            return length < 4 ? null : new Mp3Frame(length, (double) samples / sampleRate);
        }
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static long le32(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFFL) | (bytes[offset + 1] & 0xFFL) << 8 | (bytes[offset + 2] & 0xFFL) << 16
                | (bytes[offset + 3] & 0xFFL) << 24;
    }

    /** A forward-only reader that can look a few bytes ahead. */
    private static final class Reader {
        private final BufferedInputStream in;

        Reader(BufferedInputStream in) {
            this.in = in;
        }

        byte[] peek(int n) throws IOException {
            in.mark(n);
            byte[] bytes = readUpTo(n);
            in.reset();
            return bytes;
        }

        byte[] readUpTo(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Skips up to n bytes; answers how many were there. */
        long skip(long n) throws IOException {
            long skipped = 0;
            while (skipped < n) {
                long step = in.skip(n - skipped);
                if (step <= 0) {
                    if (in.read() < 0) {
                        break;
                    }
                    step = 1;
                }
                skipped += step;
            }
            return skipped;
        }
    }
}
