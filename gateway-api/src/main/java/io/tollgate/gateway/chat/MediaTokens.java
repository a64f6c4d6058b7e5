package io.tollgate.gateway.chat;

import io.tollgate.gateway.providers.WireFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * What images, audio and files cost on input, counted the way each provider family counts them, for the
 * reservation. Where the gateway cannot see a size (an image by URL, an audio format without a header it
 * reads), it takes the most the provider may count for it, so that the hold still bounds the cost.
 *
 * <ul>
 *   <li>OpenAI: the image is scaled to fit 2048×2048, then its short side to 768; 85 tokens plus 170 per
 *   512-px tile ({@code detail: low}: 85). gpt-4o-mini counts 2833 + 5667 per tile; gpt-4.1-mini,
 *   gpt-4.1-nano and o4-mini count 32-px patches (at most 1536) times 1.62, 2.46 and 1.72. Unknown size:
 *   8 tiles (768×2048, the most the scaling leaves), or 1536 patches.</li>
 *   <li>Anthropic: the image is scaled to a long edge of 1568 px; width × height / 750, at most 1600 (larger
 *   images are scaled down to about 1.15 megapixels). Unknown size: 1600.</li>
 *   <li>Gemini: 258 per image up to 384×384, else 258 per 768×768 tile of the image scaled to fit
 *   3072×3072. Unknown size: 16 tiles (3072×3072), 4128.</li>
 *   <li>Bedrock (one API for several vendors' models): the dearest of the three rules above.</li>
 *   <li>Audio: 32 tokens per second (Gemini's published rate, above what OpenAI's audio models count), the
 *   duration read from a WAV header, else taken as if the data were 8 kbit/s, the lowest common MP3 rate.</li>
 *   <li>Files (PDF): per page 1600 for the page image and 3000 for its text (Anthropic's figures for a
 *   dense page), the pages counted in the PDF; a file that is not a PDF as text, one token per byte.</li>
 * </ul>
 */
final class MediaTokens {
    static final long OPENAI_UNKNOWN_TILES = 8;
    static final long ANTHROPIC_MAX = 1600;
    static final long GEMINI_TILE = 258;
    static final long AUDIO_TOKENS_PER_SECOND = 32;
    private static final long WORST_AUDIO_BYTES_PER_SECOND = 1000;
    private static final long PDF_PAGE_TOKENS = 1600 + 3000;
    /** Enough of a data URL to find the size in any header the gateway reads (JPEG's can follow EXIF). */
    private static final int HEADER_BASE64_CHARS = 96 * 1024;

    private MediaTokens() {
    }

    /** An image's pixel size, or null parts when the gateway cannot tell. */
    record ImageSize(int width, int height) {
        static final ImageSize UNKNOWN = new ImageSize(0, 0);

        boolean known() {
            return width > 0 && height > 0;
        }
    }

    static long image(WireFormat family, String model, ImageSize size, String detail) {
        return switch (family) {
            case OPENAI -> openAiImage(model == null ? "" : model.toLowerCase(Locale.ROOT), size, detail);
            case ANTHROPIC -> anthropicImage(size);
            case GEMINI -> geminiImage(size);
            // Bedrock serves several vendors' models (Claude, Llama, Nova, ...) behind one API: the dearest rule.
            case BEDROCK, IDEOGRAM -> Math.max(openAiImage("", size, detail), Math.max(anthropicImage(size),
                    geminiImage(size)));
        };
    }

    private static long openAiImage(String model, ImageSize size, String detail) {
        double patchMultiplier = model.contains("4.1-nano") ? 2.46 : model.contains("4.1-mini") ? 1.62
                : model.contains("o4-mini") ? 1.72 : 0;
        if (patchMultiplier > 0) {
            long patches = size.known()
                    ? Math.min(1536, ceilDiv(size.width(), 32) * ceilDiv(size.height(), 32)) : 1536;
            return (long) Math.ceil(patches * patchMultiplier);
        }
        long base = model.contains("4o-mini") ? 2833 : 85;
        long perTile = model.contains("4o-mini") ? 5667 : 170;
        if ("low".equals(detail)) {
            return base;
        }
        long tiles = OPENAI_UNKNOWN_TILES;
        if (size.known()) {
            double w = size.width();
            double h = size.height();
            double fit = Math.min(1, 2048 / Math.max(w, h));
            w *= fit;
            h *= fit;
            double shortSide = Math.min(w, h);
            if (shortSide > 768) {
                w = w * 768 / shortSide;
                h = h * 768 / shortSide;
            }
            tiles = ceilDiv((long) Math.ceil(w), 512) * ceilDiv((long) Math.ceil(h), 512);
        }
        return base + perTile * tiles;
    }

    private static long anthropicImage(ImageSize size) {
        if (!size.known()) {
            return ANTHROPIC_MAX;
        }
        double w = size.width();
        double h = size.height();
        double fit = Math.min(1, 1568 / Math.max(w, h));
        long tokens = (long) Math.ceil(Math.ceil(w * fit) * Math.ceil(h * fit) / 750);
        return Math.min(ANTHROPIC_MAX, Math.max(1, tokens));
    }

    private static long geminiImage(ImageSize size) {
        if (!size.known()) {
            return 16 * GEMINI_TILE;
        }
        if (size.width() <= 384 && size.height() <= 384) {
            return GEMINI_TILE;
        }
        double fit = Math.min(1, 3072.0 / Math.max(size.width(), size.height()));
        long w = (long) Math.ceil(size.width() * fit);
        long h = (long) Math.ceil(size.height() * fit);
        return ceilDiv(w, 768) * ceilDiv(h, 768) * GEMINI_TILE;
    }

    /** The size of an image given as a base64 data URL (PNG, JPEG, GIF, WebP); unknown for anything else. */
    static ImageSize sizeOf(String url) {
        if (url == null || !url.startsWith("data:")) {
            return ImageSize.UNKNOWN;
        }
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            return ImageSize.UNKNOWN;
        }
        byte[] head = decodeHead(url, comma + 1, HEADER_BASE64_CHARS);
        return head == null ? ImageSize.UNKNOWN : ImageHeaders.size(head);
    }

    /** Audio of the given format as base64: its duration's tokens. */
    static long audio(String format, String base64) {
        if (base64 == null || base64.isEmpty()) {
            return 0;
        }
        int padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
        long bytes = base64.length() / 4 * 3L - padding;
        if ("wav".equalsIgnoreCase(format)) {
            byte[] head = decodeHead(base64, 0, 64);
            if (head != null && head.length >= 32 && head[0] == 'R' && head[1] == 'I' && head[8] == 'W') {
                long byteRate = ByteBuffer.wrap(head, 28, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                if (byteRate > 0) {
                    return ceilDiv(bytes * AUDIO_TOKENS_PER_SECOND, byteRate);
                }
            }
        }
        return ceilDiv(bytes * AUDIO_TOKENS_PER_SECOND, WORST_AUDIO_BYTES_PER_SECOND);
    }

    /** A file part's data URL (or bare base64): PDF pages, or its bytes as text. */
    static long file(String data) {
        if (data == null || data.isEmpty()) {
            return 0;
        }
        int comma = data.startsWith("data:") ? data.indexOf(',') : -1;
        String base64 = data.substring(comma + 1);
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            return base64.length();
        }
        if (bytes.length >= 5 && bytes[0] == '%' && bytes[1] == 'P' && bytes[2] == 'D' && bytes[3] == 'F') {
            return Math.max(1, pdfPages(bytes)) * PDF_PAGE_TOKENS;
        }
        return bytes.length;
    }

    /** Page objects ({@code /Type /Page}, not {@code /Pages}): an upper bound on what a reader renders. */
    static long pdfPages(byte[] pdf) {
        long pages = 0;
        for (int i = 0; i + 5 < pdf.length; i++) {
            if (pdf[i] == '/' && pdf[i + 1] == 'T' && pdf[i + 2] == 'y' && pdf[i + 3] == 'p' && pdf[i + 4] == 'e') {
                int j = i + 5;
                while (j < pdf.length && (pdf[j] == ' ' || pdf[j] == '\n' || pdf[j] == '\r' || pdf[j] == '\t')) {
                    j++;
                }
                if (j + 5 <= pdf.length && pdf[j] == '/' && pdf[j + 1] == 'P' && pdf[j + 2] == 'a' && pdf[j + 3] == 'g'
                        && pdf[j + 4] == 'e' && (j + 5 == pdf.length || pdf[j + 5] != 's')) {
                    pages++;
                }
            }
        }
        return pages;
    }

    private static byte[] decodeHead(String text, int from, int maxChars) {
        int end = Math.min(text.length(), from + maxChars);
        end -= (end - from) % 4;
        try {
            return Base64.getDecoder().decode(text.substring(from, end));
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private static long ceilDiv(long a, long b) {
        return Math.ceilDiv(a, b);
    }
}
