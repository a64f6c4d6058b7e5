package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiAudioTest extends MockProviderTestSupport {

    @Test
    void aWavIsTranscribedWithItsDurationInEveryJsonShape() {
        byte[] wav = OpenAiAudio.wav(new byte[3 * 24_000 * 2]); // 3 s of 24 kHz 16-bit mono

        JsonNode verbose = json(transcribe(wav, "clip.wav", "verbose_json").body());
        JsonNode plain = json(transcribe(wav, "clip.wav", "json").body());

        assertThat(verbose.path("duration").asDouble()).isEqualTo(3.0);
        assertThat(verbose.path("text").asText()).contains("clip.wav").contains("3.000 seconds");
        assertThat(plain.path("text").asText()).isEqualTo(verbose.path("text").asText());
        assertThat(plain.path("usage").path("type").asText()).isEqualTo("duration");
        assertThat(plain.path("usage").path("seconds").asLong()).isEqualTo(3);
        assertThat(provider.stats().requests(MockEndpoint.OPENAI_AUDIO_TRANSCRIPTIONS)).isEqualTo(2);
    }

    @Test
    void anotherFormatPlaysAt128KbpsAndSubtitlesEndWithIt() {
        HttpResponse<String> srt = transcribe(new byte[32_000], "clip.ogg", "srt");

        assertThat(srt.statusCode()).isEqualTo(200);
        assertThat(srt.body()).startsWith("1\n00:00:00,000 --> 00:00:02,000\n");
    }

    @Test
    void aFormWithoutAFileIsTheProviders400() {
        HttpResponse<String> refused = send(request("/v1/audio/transcriptions")
                .header("Content-Type", "multipart/form-data; boundary=b")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b--\r\n"))
                .build());

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused.body()).path("error").path("param").asText()).isEqualTo("file");
    }

    @Test
    void speechIsSilenceWhoseLengthFollowsTheText() throws Exception {
        String text = "Twenty characters!!!"; // 20 characters: 1 s at 50 ms each
        HttpResponse<byte[]> wav = speak(text, "wav");
        HttpResponse<byte[]> mp3 = speak(text, "mp3");

        assertThat(wav.headers().firstValue("Content-Type")).hasValue("audio/wav");
        ByteBuffer header = ByteBuffer.wrap(wav.body()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(wav.body(), 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("RIFF");
        assertThat(header.getInt(40)).isEqualTo(24_000 * 2); // the data chunk: one second
        assertThat(mp3.headers().firstValue("Content-Type")).hasValue("audio/mpeg");
        assertThat(mp3.body()[0] & 0xFF).isEqualTo(0xFF);
        assertThat(mp3.body().length % 144).isZero();
        assertThat(mp3.body().length / 144).isEqualTo(28); // ceil(1 s / 36 ms)
    }

    private HttpResponse<String> transcribe(byte[] file, String filename, String format) {
        var body = new ByteArrayOutputStream();
        try {
            body.write(("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\n" + format + "\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(file);
            body.write("\r\n--b--\r\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return send(request("/v1/audio/transcriptions")
                .header("Content-Type", "multipart/form-data; boundary=b")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build());
    }

    private HttpResponse<byte[]> speak(String text, String format) throws Exception {
        return HTTP.send(request("/v1/audio/speech")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\""
                        + text + "\",\"response_format\":\"" + format + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
