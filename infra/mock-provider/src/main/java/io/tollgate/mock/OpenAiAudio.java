package io.tollgate.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI's audio API, deterministic: a transcription says what it was given (the file's name, size and
 * length) and reports the length as OpenAI does ({@code duration} in verbose_json, {@code usage.seconds}
 * in json); speech is silence of a length that follows the text, as a valid WAV, raw PCM or MP3.
 */
final class OpenAiAudio extends ProviderApi {
    /** An upload that is not a WAV is taken to play at 128 kbps. */
    static final int UNKNOWN_FORMAT_BYTES_PER_SECOND = 16_000;
    /** Speech lasts this long per character of text. */
    static final int MILLIS_PER_CHARACTER = 50;
    static final int SPEECH_SAMPLE_RATE = 24_000;
    private static final Set<String> TRANSCRIPTION_FORMATS = Set.of("json", "text", "srt", "verbose_json", "vtt");
    /** One MPEG-1 layer III frame: 32 kbps, 32 kHz, mono, no CRC; all-zero side info and data play as silence. */
    private static final int MP3_FRAME_BYTES = 144;
    private static final double MP3_FRAME_SECONDS = 1152.0 / 32_000;

    OpenAiAudio(FailureInjector failures) {
        super(failures);
    }

    @Override
    ProviderErrors errors() {
        return OpenAiApi.ERRORS;
    }

    void transcriptions(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, OpenAiApi.bearerToken(exchange));
        MultipartForm form = MultipartForm.parse(exchange.header("Content-Type"), exchange.readBody());
        if (form == null) {
            throw OpenAiApi.ERRORS.badRequest("Could not parse multipart form", null, null);
        }
        String model = form.fields.get("model");
        if (model == null || model.isBlank()) {
            throw OpenAiApi.ERRORS.badRequest("you must provide a model parameter", null, null);
        }
        MultipartForm.FilePart file = form.files.get("file");
        if (file == null || file.bytes().length == 0) {
            throw OpenAiApi.ERRORS.badRequest("Missing required parameter: 'file'.", "file",
                    "missing_required_parameter");
        }
        String format = form.fields.getOrDefault("response_format", "json");
        if (!TRANSCRIPTION_FORMATS.contains(format)) {
            throw OpenAiApi.ERRORS.badRequest("Invalid value for 'response_format'.", "response_format",
                    "invalid_value");
        }
        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        double seconds = duration(file.bytes());
        String text = String.format(Locale.ROOT, "Mock transcription of %s: %d bytes, %.3f seconds of audio.",
                file.filename(), file.bytes().length, seconds);
        switch (format) {
            case "text" -> exchange.sendBytes(200, "text/plain; charset=utf-8",
                    (text + "\n").getBytes(StandardCharsets.UTF_8));
            case "srt" -> exchange.sendBytes(200, "text/plain; charset=utf-8",
                    ("1\n00:00:00,000 --> " + timestamp(seconds, ',') + "\n" + text + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
            case "vtt" -> exchange.sendBytes(200, "text/plain; charset=utf-8",
                    ("WEBVTT\n\n00:00:00.000 --> " + timestamp(seconds, '.') + "\n" + text + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
            case "verbose_json" -> {
                ObjectNode answer = Json.object();
                answer.put("task", "transcribe");
                answer.put("language", form.fields.getOrDefault("language", "english"));
                answer.put("duration", seconds);
                answer.put("text", text);
                ObjectNode segment = answer.putArray("segments").addObject();
                segment.put("id", 0).put("seek", 0).put("start", 0.0).put("end", seconds).put("text", text);
                usage(answer, seconds);
                exchange.sendJson(200, answer);
            }
            default -> {
                ObjectNode answer = Json.object();
                answer.put("text", text);
                usage(answer, seconds);
                exchange.sendJson(200, answer);
            }
        }
    }

    void speech(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, OpenAiApi.bearerToken(exchange));
        ObjectNode request = exchange.readJsonObject();
        String model = request.path("model").asText("");
        if (model.isBlank()) {
            throw OpenAiApi.ERRORS.badRequest("you must provide a model parameter", null, null);
        }
        String input = request.path("input").asText("");
        if (input.isEmpty()) {
            throw OpenAiApi.ERRORS.badRequest("Missing required parameter: 'input'.", "input",
                    "missing_required_parameter");
        }
        if (!request.path("voice").isTextual() && !request.path("voice").isObject()) {
            throw OpenAiApi.ERRORS.badRequest("Missing required parameter: 'voice'.", "voice",
                    "missing_required_parameter");
        }
        String format = request.path("response_format").asText("mp3");
        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        double seconds = input.codePointCount(0, input.length()) * MILLIS_PER_CHARACTER / 1000.0;
        switch (format) {
            case "mp3" -> exchange.sendBytes(200, "audio/mpeg", mp3(seconds));
            case "wav" -> exchange.sendBytes(200, "audio/wav", wav(pcm(seconds)));
            case "pcm" -> exchange.sendBytes(200, "audio/pcm", pcm(seconds));
            default -> throw OpenAiApi.ERRORS.badRequest("The mock provider speaks mp3, wav and pcm, not '"
                    + format + "'.", "response_format", "unsupported_value");
        }
    }

    private static void usage(ObjectNode answer, double seconds) {
        answer.putObject("usage").put("type", "duration").put("seconds", (long) Math.ceil(seconds));
    }

    /** A WAV's length from its header and data; any other file's from its size at 128 kbps. */
    static double duration(byte[] file) {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length >= 12 && new String(file, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                && new String(file, 8, 4, StandardCharsets.ISO_8859_1).equals("WAVE")) {
            int at = 12;
            long byteRate = 0;
            while (at + 8 <= file.length) {
                String id = new String(file, at, 4, StandardCharsets.ISO_8859_1);
                long size = in.getInt(at + 4) & 0xFFFFFFFFL;
                if (id.equals("fmt ") && at + 20 <= file.length) {
                    byteRate = in.getInt(at + 16) & 0xFFFFFFFFL;
                } else if (id.equals("data") && byteRate > 0) {
                    return Math.min(size, file.length - at - 8) / (double) byteRate;
                }
                at += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - at - 8);
            }
        }
        return file.length / (double) UNKNOWN_FORMAT_BYTES_PER_SECOND;
    }

    private static String timestamp(double seconds, char decimalSeparator) {
        long millis = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", millis / 3_600_000, millis / 60_000 % 60,
                millis / 1000 % 60, decimalSeparator, millis % 1000);
    }

    /** 16-bit mono silence at OpenAI's 24 kHz. */
    static byte[] pcm(double seconds) {
        return new byte[(int) Math.round(seconds * SPEECH_SAMPLE_RATE) * 2];
    }

    static byte[] wav(byte[] pcm) {
        ByteBuffer wav = ByteBuffer.allocate(44 + pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(36 + pcm.length)
                .put("WAVE".getBytes(StandardCharsets.ISO_8859_1))
                .put("fmt ".getBytes(StandardCharsets.ISO_8859_1)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(SPEECH_SAMPLE_RATE).putInt(SPEECH_SAMPLE_RATE * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.ISO_8859_1)).putInt(pcm.length).put(pcm);
        return wav.array();
    }

    static byte[] mp3(double seconds) {
        int frames = Math.max(1, (int) Math.ceil(seconds / MP3_FRAME_SECONDS));
        byte[] mp3 = new byte[frames * MP3_FRAME_BYTES];
        for (int frame = 0; frame < frames; frame++) {
            int at = frame * MP3_FRAME_BYTES;
            mp3[at] = (byte) 0xFF;
            mp3[at + 1] = (byte) 0xFB;  // MPEG-1, layer III, no CRC
            mp3[at + 2] = (byte) 0x18;  // 32 kbps, 32 kHz, no padding
            mp3[at + 3] = (byte) 0xC0;  // mono
        }
        return mp3;
    }
}
