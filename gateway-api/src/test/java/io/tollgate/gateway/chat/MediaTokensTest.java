package io.tollgate.gateway.chat;

import io.tollgate.gateway.providers.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static io.tollgate.gateway.providers.WireFormat.ANTHROPIC;
import static io.tollgate.gateway.providers.WireFormat.GEMINI;
import static io.tollgate.gateway.providers.WireFormat.OPENAI;
import static org.assertj.core.api.Assertions.assertThat;

/** Each provider family's image rule, with the examples of its documentation, and the sizes read from headers. */
class MediaTokensTest {
    private static final MediaTokens.ImageSize UNKNOWN = MediaTokens.ImageSize.UNKNOWN;

    @Test
    void openAiCountsTilesOfTheScaledImage() {
        // OpenAI's examples: 1024×1024 high → 765; 2048×4096 → 768×1536, 6 tiles → 1105; low → 85.
        assertThat(image(OPENAI, "gpt-4o", 1024, 1024, "high")).isEqualTo(765);
        assertThat(image(OPENAI, "gpt-4o", 2048, 4096, "auto")).isEqualTo(1105);
        assertThat(image(OPENAI, "gpt-4o", 4096, 8192, "low")).isEqualTo(85);
        assertThat(MediaTokens.image(OPENAI, "gpt-4o", UNKNOWN, "auto")).isEqualTo(85 + 170 * 8);
        assertThat(image(OPENAI, "gpt-4o-mini", 1024, 1024, "high")).isEqualTo(2833 + 5667 * 4);
        // Patch models: 1024×1024 = 32×32 patches = 1024, × 1.62 for gpt-4.1-mini
        assertThat(image(OPENAI, "gpt-4.1-mini", 1024, 1024, "auto")).isEqualTo(1659);
        assertThat(MediaTokens.image(OPENAI, "gpt-4.1-nano", UNKNOWN, "auto")).isEqualTo(3779);
    }

    @Test
    void anthropicCountsPixelsOver750UpToAbout1600() {
        assertThat(image(ANTHROPIC, null, 1000, 1000, "auto")).isEqualTo(1334);
        assertThat(image(ANTHROPIC, null, 200, 200, "auto")).isEqualTo(54);
        assertThat(image(ANTHROPIC, null, 8000, 8000, "auto")).isEqualTo(1600);
        assertThat(MediaTokens.image(ANTHROPIC, null, UNKNOWN, "auto")).isEqualTo(1600);
    }

    @Test
    void geminiCounts258PerSmallImageOrPerTile() {
        assertThat(image(GEMINI, null, 384, 384, "auto")).isEqualTo(258);
        assertThat(image(GEMINI, null, 1024, 1024, "auto")).isEqualTo(4 * 258);
        assertThat(image(GEMINI, null, 10_000, 10_000, "auto")).isEqualTo(16 * 258);
        assertThat(MediaTokens.image(GEMINI, null, UNKNOWN, "auto")).isEqualTo(16 * 258);
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "gif"})
    void theSizeIsReadFromADataUrlsHeader(String format) throws IOException {
        var bytes = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB), format, bytes);
        String url = "data:image/" + format + ";base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());

        assertThat(MediaTokens.sizeOf(url)).isEqualTo(new MediaTokens.ImageSize(640, 480));
    }

    @Test
    void anImageByUrlOrUnreadableIsOfUnknownSize() {
        assertThat(MediaTokens.sizeOf("https://example.invalid/cat.png").known()).isFalse();
        assertThat(MediaTokens.sizeOf("data:image/png;base64,AAAA").known()).isFalse();
        assertThat(MediaTokens.sizeOf("data:image/png;base64,!!!!").known()).isFalse();
    }

    @Test
    void audioIsCountedByItsDurationOrAtTheWorstBitRate() {
        // 10 s of 16 kHz 16-bit mono WAV (32,000 bytes a second): 320 tokens at 32 a second.
        byte[] wav = new byte[44 + 320_000];
        ByteBuffer header = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        header.put(0, "RIFF".getBytes()).put(8, "WAVE".getBytes()).putInt(28, 32_000);
        assertThat(MediaTokens.audio("wav", Base64.getEncoder().encodeToString(wav))).isBetween(320L, 321L);
        // 10,000 bytes of MP3 taken as 8 kbit/s: 10 s, 320 tokens.
        assertThat(MediaTokens.audio("mp3", Base64.getEncoder().encodeToString(new byte[10_000]))).isEqualTo(320);
    }

    @Test
    void aPdfIsCountedPerPage() {
        String pdf = "%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n"
                + "3 0 obj << /Type/Page >>\n%%EOF";
        String data = "data:application/pdf;base64," + Base64.getEncoder().encodeToString(pdf.getBytes());

        assertThat(MediaTokens.file(data)).isEqualTo(2 * 4600);
    }

    private static long image(WireFormat family, String model, int width, int height, String detail) {
        return MediaTokens.image(family, model, new MediaTokens.ImageSize(width, height), detail);
    }
}
