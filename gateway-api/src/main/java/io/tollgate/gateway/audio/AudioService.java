package io.tollgate.gateway.audio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.edge.EdgeProperties;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.UpstreamIdleTimeout;
import io.tollgate.gateway.upstream.CostHeaders;
import io.tollgate.gateway.upstream.JsonAnswers;
import io.tollgate.gateway.upstream.Pricing;
import io.tollgate.gateway.upstream.ReservedCall;
import io.tollgate.gateway.upstream.UpstreamAnswer;
import io.tollgate.ledger.api.TokenUsage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * OpenAI's audio API through OpenAI-compatible providers: transcriptions priced per second of input audio,
 * speech per character of input text. Both are reserved before the provider is called and settled after,
 * with the events of any other request (the seconds or characters are the ledger's output "tokens", see
 * {@link Pricing}).
 *
 * <p>A transcription's seconds are the provider's when its answer says them ({@code duration} of
 * verbose_json, {@code usage.seconds} of json); otherwise the gateway's measure of the upload (WAV, MP3);
 * otherwise the worst case held for it, from its size at {@code tollgate.audio.bitrate-floor-kbps}. The
 * hold is the measure, or that worst case. A client asking for {@code text} gets it from the provider's json,
 * so that the provider's count of seconds is seen.
 */
@Service
public class AudioService {
    public static final String TRANSCRIPTION_FORMAT = "openai.audio.transcriptions";
    public static final String SPEECH_FORMAT = "openai.audio.speech";

    static final Set<String> TRANSCRIPTION_FORMATS = Set.of("json", "text", "srt", "verbose_json", "vtt");
    static final Set<String> SPEECH_FORMATS = Set.of("mp3", "opus", "aac", "flac", "wav", "pcm");
    /** OpenAI's limit on the text of one speech request. */
    static final int MAX_SPEECH_CHARACTERS = 4096;
    /** Form fields OpenAI's transcription API defines besides model, file and response_format, passed on as sent. */
    private static final List<String> PASSED_FIELDS = List.of("language", "prompt", "temperature",
            "timestamp_granularities[]", "include[]", "chunking_strategy");
    private static final Map<String, String> SPEECH_CONTENT_TYPES = Map.of("mp3", "audio/mpeg", "opus", "audio/opus",
            "aac", "audio/aac", "flac", "audio/flac", "wav", "audio/wav", "pcm", "audio/pcm");

    private final ReservedCall.Factory calls;
    private final ObjectMapper json;
    private final AudioProperties properties;
    private final long maxUploadBytes;

    AudioService(ReservedCall.Factory calls, ObjectMapper json, AudioProperties properties, EdgeProperties edge) {
        this.calls = calls;
        this.json = json;
        this.properties = properties;
        this.maxUploadBytes = edge.maxUploadSize().toBytes();
    }

    /** One transcription form as the client sent it. */
    public record TranscriptionForm(MultipartFile file, Map<String, String[]> fields) {
        String field(String name) {
            String[] values = fields.get(name);
            return values == null || values.length == 0 ? null : values[0];
        }
    }

    private record Transcription(String model, String clientFormat, MultipartFile file, UpstreamForm form,
                                 OptionalDouble measuredSeconds, long heldSeconds) {
    }

    public void transcribe(Caller caller, TranscriptionForm form, String apiFormat, HttpServletRequest httpRequest,
                           HttpServletResponse response) throws IOException {
        Transcription request = calls.rejectingBadInput(caller, form.field("model"), response,
                () -> validated(form));
        int held = (int) Math.min(Integer.MAX_VALUE, request.heldSeconds());
        ReservedCall call = calls.reserve(caller, request.model(), Pricing.TRANSCRIPTION,
                deployment -> calls.adapter(deployment).supportsAudio() && deployment.prices().audioSecondMicros() > 0,
                "it has no transcription rate (perAudioSecond) on a provider with OpenAI's audio API",
                apiFormat, false, 0, held, held, held, httpRequest, response);
        UpstreamAnswer answer = call.send((deployment, adapter, secret) -> adapter.transcriptionRequest(
                deployment.provider().baseUrl(), secret, request.form().contentType(),
                request.form().body(deployment.model())).orElseThrow());
        byte[] bytes = readAnswer(call, answer);
        if (answer.status() != 200) {
            throw call.releaseAfterClientError(bytes);
        }
        if (!request.clientFormat().equals("json") && !request.clientFormat().equals("verbose_json")
                && !request.clientFormat().equals("text")) {
            // srt and vtt: subtitles, which say nothing of the recording's length.
            long seconds = request.measuredSeconds().isPresent() ? billedSeconds(request.measuredSeconds().getAsDouble())
                    : request.heldSeconds();
            long debited = call.settle(new TokenUsage(0, seconds, 0, 0, true)).debitedMicros();
            CostHeaders.write(response, debited, call.balanceAfter());
            writeText(response, answer, bytes);
            return;
        }
        JsonNode transcription;
        try {
            transcription = json.readTree(bytes);
            if (!transcription.isObject()) {
                throw new IllegalStateException("not a JSON object");
            }
        } catch (IOException | RuntimeException unreadable) {
            throw call.releaseAfterUnreadableAnswer(unreadable instanceof RuntimeException runtime ? runtime
                    : new UncheckedIOException((IOException) unreadable));
        }
        OptionalDouble reported = reportedSeconds(transcription);
        long seconds = reported.isPresent() ? billedSeconds(reported.getAsDouble())
                : request.measuredSeconds().isPresent() ? billedSeconds(request.measuredSeconds().getAsDouble())
                : request.heldSeconds();
        long debited = call.settle(new TokenUsage(0, seconds, 0, 0, reported.isEmpty())).debitedMicros();
        CostHeaders.write(response, debited, call.balanceAfter());
        if (request.clientFormat().equals("text")) {
            byte[] text = (transcription.path("text").asText("") + "\n").getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("text/plain;charset=UTF-8");
            response.setContentLength(text.length);
            response.getOutputStream().write(text);
            return;
        }
        if (transcription.path("usage") instanceof ObjectNode usage) {
            usage.putRawValue("cost", new RawValue(CostHeaders.credits(debited)));
        }
        JsonAnswers.write(json, response, 200, transcription);
    }

    public void speak(Caller caller, JsonNode body, String apiFormat, HttpServletRequest httpRequest,
                      HttpServletResponse response) throws IOException {
        ObjectNode request = calls.rejectingBadInput(caller, body.path("model").asText(null), response,
                () -> validatedSpeech(body));
        String text = request.get("input").asText();
        int characters = text.codePointCount(0, text.length());
        String format = request.path("response_format").asText("mp3");
        ReservedCall call = calls.reserve(caller, request.get("model").asText(), Pricing.SPEECH,
                deployment -> calls.adapter(deployment).supportsAudio()
                        && deployment.prices().speechCharacterMicros() > 0,
                "it has no speech rate (perSpeechCharacter) on a provider with OpenAI's audio API",
                apiFormat, false, 0, characters, characters, characters, httpRequest, response);
        UpstreamAnswer answer = call.send((deployment, adapter, secret) -> {
            ObjectNode upstream = request.deepCopy();
            upstream.put("model", deployment.model());
            return adapter.speechRequest(deployment.provider().baseUrl(), secret, upstream).orElseThrow();
        });
        byte[] audio = readAnswer(call, answer);
        if (answer.status() != 200) {
            throw call.releaseAfterClientError(audio);
        }
        if (audio.length == 0) {
            throw call.releaseAfterUnreadableAnswer(new IllegalStateException("an empty speech answer"));
        }
        long debited = call.settle(new TokenUsage(0, characters, 0, 0, false)).debitedMicros();
        CostHeaders.write(response, debited, call.balanceAfter());
        String upstreamType = answer.contentType().orElse("");
        response.setStatus(200);
        response.setContentType(upstreamType.startsWith("audio/") || upstreamType.startsWith("application/octet-stream")
                ? upstreamType : SPEECH_CONTENT_TYPES.get(format));
        response.setContentLength(audio.length);
        response.getOutputStream().write(audio);
    }

    private static byte[] readAnswer(ReservedCall call, UpstreamAnswer answer) throws IOException {
        try (InputStream body = answer.body()) {
            return body.readAllBytes();
        } catch (UpstreamIdleTimeout silent) {
            throw call.releaseAfterSilentProvider(silent);
        }
    }

    private static void writeText(HttpServletResponse response, UpstreamAnswer answer, byte[] body) throws IOException {
        response.setStatus(200);
        response.setContentType(answer.contentType().filter(type -> type.startsWith("text/"))
                .orElse("text/plain;charset=UTF-8"));
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The seconds the provider says it heard: verbose_json's {@code duration}, or json's {@code usage.seconds}. */
    static OptionalDouble reportedSeconds(JsonNode transcription) {
        JsonNode duration = transcription.path("duration");
        if (duration.isNumber() && duration.asDouble() >= 0) {
            return OptionalDouble.of(duration.asDouble());
        }
        JsonNode usage = transcription.path("usage");
        if ("duration".equals(usage.path("type").asText()) && usage.path("seconds").isNumber()
                && usage.path("seconds").asDouble() >= 0) {
            return OptionalDouble.of(usage.path("seconds").asDouble());
        }
        return OptionalDouble.empty();
    }

    /** To the nearest second, as OpenAI bills transcription; a recording is at least one second. */
    static long billedSeconds(double seconds) {
        return Math.max(1, Math.round(seconds));
    }

    private Transcription validated(TranscriptionForm form) {
        String model = form.field("model");
        if (model == null || model.isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        ClientText.require("model", model, ClientText.NAME_MAX);
        MultipartFile file = form.file();
        if (file == null || file.isEmpty()) {
            throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "missing_file",
                    "'file' is required: the audio to transcribe, as a multipart/form-data file part.");
        }
        if (file.getSize() > maxUploadBytes) {
            throw new GatewayException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error", "file_too_large",
                    "The audio file is " + file.getSize() + " bytes; the largest this gateway takes is "
                            + maxUploadBytes + " bytes.");
        }
        String clientFormat = Optional.ofNullable(form.field("response_format")).orElse("json");
        if (!TRANSCRIPTION_FORMATS.contains(clientFormat)) {
            throw GatewayException.badRequest("'response_format' must be one of json, text, srt, verbose_json, vtt.");
        }
        if ("true".equalsIgnoreCase(form.field("stream"))) {
            throw GatewayException.badRequest("Streaming transcription is not supported.");
        }
        String temperature = form.field("temperature");
        if (temperature != null && !temperature.isBlank()) {
            double value;
            try {
                value = Double.parseDouble(temperature);
            } catch (NumberFormatException notANumber) {
                value = Double.NaN;
            }
            if (!(value >= 0 && value <= 1)) {
                throw GatewayException.badRequest("'temperature' must be a number from 0 to 1.");
            }
        }
        UpstreamForm upstream = new UpstreamForm(filename(file), contentType(file), file.getSize(), () -> {
            try {
                return file.getInputStream();
            } catch (IOException gone) {
                throw new UncheckedIOException(gone);
            }
        });
        upstream.field("response_format", List.of(clientFormat.equals("text") ? "json" : clientFormat));
        for (String name : PASSED_FIELDS) {
            String[] values = form.fields().get(name);
            if (values == null) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            for (String value : values) {
                if (value.length() > ClientText.LONG_MAX) {
                    throw GatewayException.badRequest("'" + name + "' must be at most " + ClientText.LONG_MAX
                            + " characters.");
                }
                kept.add(value);
            }
            upstream.field(name, kept);
        }
        OptionalDouble measured;
        try (InputStream audio = file.getInputStream()) {
            measured = AudioDuration.measure(audio);
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
        long held = measured.isPresent() ? Math.max(1, (long) Math.ceil(measured.getAsDouble()))
                : properties.worstCaseSeconds(file.getSize());
        return new Transcription(model, clientFormat, file, upstream, measured, held);
    }

    /** The upload's name as the provider sees it: OpenAI tells the format by its extension. */
    static String filename(MultipartFile file) {
        String original = Optional.ofNullable(file.getOriginalFilename()).orElse("");
        String safe = original.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 128) {
            safe = safe.substring(safe.length() - 128);
        }
        return safe.isBlank() ? "audio" : safe;
    }

    private static String contentType(MultipartFile file) {
        String type = file.getContentType();
        return type != null && type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")
                ? type : "application/octet-stream";
    }

    private static ObjectNode validatedSpeech(JsonNode request) {
        if (!(request instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        ClientText.require("model", body.get("model").asText(), ClientText.NAME_MAX);
        JsonNode input = body.path("input");
        if (!input.isTextual() || input.asText().isEmpty()) {
            throw GatewayException.badRequest("'input' must be a non-empty string: the text to speak.");
        }
        if (input.asText().codePointCount(0, input.asText().length()) > MAX_SPEECH_CHARACTERS) {
            throw GatewayException.badRequest("'input' must be at most " + MAX_SPEECH_CHARACTERS + " characters.");
        }
        JsonNode voice = body.path("voice");
        boolean namedVoice = voice.isTextual() && !voice.asText().isBlank();
        boolean customVoice = voice.isObject() && voice.path("id").isTextual();
        if (!namedVoice && !customVoice) {
            throw GatewayException.badRequest("'voice' is required: a voice name such as alloy.");
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !(format.isTextual() && SPEECH_FORMATS.contains(format.asText()))) {
            throw GatewayException.badRequest("'response_format' must be one of mp3, opus, aac, flac, wav, pcm.");
        }
        JsonNode speed = body.get("speed");
        if (speed != null && !speed.isNull() && !(speed.isNumber() && speed.asDouble() >= 0.25
                && speed.asDouble() <= 4.0)) {
            throw GatewayException.badRequest("'speed' must be a number from 0.25 to 4.0.");
        }
        JsonNode instructions = body.get("instructions");
        if (instructions != null && !instructions.isNull() && !instructions.isTextual()) {
            throw GatewayException.badRequest("'instructions' must be a string.");
        }
        if (body.has("stream_format") && !"audio".equals(body.path("stream_format").asText())) {
            throw GatewayException.badRequest("Only stream_format 'audio' is supported.");
        }
        return body;
    }
}
