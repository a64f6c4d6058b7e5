package io.tollgate.gateway.chat;

/** Reads an image's pixel size from the start of its bytes, without decoding the image. */
final class ImageHeaders {
    private ImageHeaders() {
    }

    static MediaTokens.ImageSize size(byte[] b) {
        try {
            if (b.length >= 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
                return new MediaTokens.ImageSize(int32(b, 16), int32(b, 20));
            }
            if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
                return new MediaTokens.ImageSize(u16le(b, 6), u16le(b, 8));
            }
            if (b.length >= 30 && b[0] == 'R' && b[1] == 'I' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B') {
                return webp(b);
            }
            if (b.length >= 4 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
                return jpeg(b);
            }
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return MediaTokens.ImageSize.UNKNOWN;
        }
        return MediaTokens.ImageSize.UNKNOWN;
    }

    private static MediaTokens.ImageSize webp(byte[] b) {
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8X" -> new MediaTokens.ImageSize(1 + u24le(b, 24), 1 + u24le(b, 27));
            case "VP8 " -> new MediaTokens.ImageSize(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
            case "VP8L" -> {
                int bits = (b[21] & 0xff) | (b[22] & 0xff) << 8 | (b[23] & 0xff) << 16 | (b[24] & 0xff) << 24;
                yield new MediaTokens.ImageSize((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
            }
            default -> MediaTokens.ImageSize.UNKNOWN;
        };
    }

    /** The first start-of-frame marker's size; markers before it are skipped by their lengths. */
    private static MediaTokens.ImageSize jpeg(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return MediaTokens.ImageSize.UNKNOWN;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int length = u16be(b, i + 2);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                    && marker != 0xCC;
            if (startOfFrame) {
                return new MediaTokens.ImageSize(u16be(b, i + 7), u16be(b, i + 5));
            }
            i += 2 + length;
        }
        return MediaTokens.ImageSize.UNKNOWN;
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static int u16be(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int u24le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16;
    }
}
