package io.tollgate.gateway.audio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.Transcription;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionVerbose;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.mock.MockEndpoint;
import io.tollgate.mock.MockProvider;
import io.tollgate.mock.MockProviderConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aMultipart;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OpenAI's audio API through Tollgate, called by the official OpenAI Java SDK unchanged: against the mock
 * provider, and against WireMock serving OpenAI's documented answers. Transcriptions are charged per second
 * of audio, speech per character, both on the ledger; bad input is refused in OpenAI's shape, uncharged.
 */
class AudioTest extends GatewayTestBase {
    /** 100 micro-credits a second ($0.006 a minute, whisper-1's list price). */
    private static final long PER_SECOND_MICROS = 100;
    /** 15 micro-credits a character ($15 per million, tts-1's list price). */
    private static final long PER_CHARACTER_MICROS = 15;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private static MockProvider mock;

    private GatewayHttp gateway;
    private String mocked;
    private String wired;
    private GatewayHttp.Account account;
    private OpenAIClient sdk;
    @TempDir
    Path files;

    @BeforeAll
    static void startMock() {
        mock = MockProvider.start(MockProviderConfig.defaults());
    }

    @AfterAll
    static void stopMock() {
        mock.close();
    }

    @BeforeEach
    void providersWithAudioRates() {
        gateway = gateway();
        mocked = "audiomock" + mock.port();
        wired = "audiowire" + upstream.getPort();
        gateway.registerProvider(mocked, mock.baseUrl() + "/v1", "sk-mock-audio-key-0001");
        gateway.registerProvider(wired, upstream.baseUrl() + "/v1", "sk-wire-audio-key-0001");
        for (String provider : List.of(mocked, wired)) {
            setRate(provider, "whisper-1", Map.of("perAudioSecond", "0.0001"));
            setRate(provider, "tts-1", Map.of("perSpeechCharacter", "0.000015"));
            gateway.setRate(provider, "gpt-4o", "2.5", "10");
        }
        account = gateway.openAccountWithCredits("5");
        sdk = OpenAIOkHttpClient.builder().apiKey(account.key()).baseUrl(baseUrl() + "/v1").maxRetries(0).build();
        mock.reset();
    }

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    private void setRate(String provider, String model, Map<String, String> audioPrice) {
        var body = new java.util.HashMap<String, String>(Map.of("inputPerMillion", "0", "outputPerMillion", "0"));
        body.putAll(audioPrice);
        assertThat(gateway.put("/admin/rates/" + provider + "/" + model, ADMIN_KEY, body).status()).isEqualTo(200);
    }

    @Test
    void theSdkTranscribesThroughTheMockProviderChargedPerSecond() throws Exception {
        Path clip = Files.write(files.resolve("clip.wav"), wav(16_000, 3));

        var raw = sdk.audio().transcriptions().withRawResponse().create(TranscriptionCreateParams.builder()
                .file(clip).model(mocked + "/whisper-1").responseFormat(AudioResponseFormat.VERBOSE_JSON).build());
        TranscriptionVerbose verbose = raw.parse().asVerbose();

        assertThat(verbose.duration()).isEqualTo(3.0);
        assertThat(verbose.text()).contains("clip.wav").contains("3.000 seconds");
        List<TollgateEvent> events = settled(raw.headers().values("x-request-id").getFirst());
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(3 * PER_SECOND_MICROS);
        assertThat(first(events, TokensConsumed.class).outputTokens()).isEqualTo(3);
        assertThat(first(events, TokensConsumed.class).estimated()).isFalse();
        assertThat(first(events, RequestAccepted.class).apiFormat()).isEqualTo("openai.audio.transcriptions");
        assertThat(first(events, RequestAccepted.class).reservedMicros()).isEqualTo(3 * PER_SECOND_MICROS);
        assertThat(raw.headers().values("x-tollgate-cost")).containsExactly("0.0003");
        assertThat(raw.headers().values("x-tollgate-balance")).containsExactly("4.9997");
    }

    @Test
    void theSdkSpeaksThroughTheMockProviderChargedPerCharacter() throws Exception {
        String text = "Tollgate bills each and every character."; // 40 characters
        byte[] audio;
        String requestId;
        try (HttpResponse speech = sdk.audio().speech().create(SpeechCreateParams.builder()
                .model(mocked + "/tts-1").voice("alloy").input(text)
                .responseFormat(SpeechCreateParams.ResponseFormat.WAV).build())) {
            assertThat(speech.headers().values("Content-Type")).containsExactly("audio/wav");
            assertThat(speech.headers().values("x-tollgate-cost")).containsExactly("0.0006");
            requestId = speech.headers().values("x-request-id").getFirst();
            try (InputStream body = speech.body()) {
                audio = body.readAllBytes();
            }
        }

        assertThat(new String(audio, 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("RIFF");
        // 50 ms of 24 kHz 16-bit mono silence per character
        assertThat(ByteBuffer.wrap(audio).order(ByteOrder.LITTLE_ENDIAN).getInt(40)).isEqualTo(40 * 1200 * 2);
        List<TollgateEvent> events = settled(requestId);
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(40 * PER_CHARACTER_MICROS);
        assertThat(first(events, TokensConsumed.class).outputTokens()).isEqualTo(40);
        assertThat(first(events, RequestAccepted.class).apiFormat()).isEqualTo("openai.audio.speech");
    }

    @Test
    void anUnmeasuredUploadIsHeldAtItsWorstCaseAndChargedWhatTheProviderReports() throws Exception {
        upstream.stubFor(post("/v1/audio/transcriptions").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"text":"Imagine the wildest idea that you've ever had, and you're curious about how it \
                        might scale to something that's a 100, a 1,000 times bigger.",
                         "usage":{"type":"duration","seconds":9}}""")));
        Path clip = Files.write(files.resolve("speech.ogg"), new byte[50_000]); // not WAV or MP3: unmeasured

        var raw = sdk.audio().transcriptions().withRawResponse().create(TranscriptionCreateParams.builder()
                .file(clip).model(wired + "/whisper-1").language("en").build());
        Transcription transcription = raw.parse().asTranscription();

        assertThat(transcription.text()).startsWith("Imagine the wildest idea");
        List<TollgateEvent> events = settled(raw.headers().values("x-request-id").getFirst());
        // 50,000 bytes at the 8 kbps floor: 50 s held; the provider heard 9.
        assertThat(first(events, RequestAccepted.class).reservedMicros()).isEqualTo(50 * PER_SECOND_MICROS);
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(9 * PER_SECOND_MICROS);
        assertThat(raw.headers().values("x-tollgate-cost")).containsExactly("0.0009");
        upstream.verify(postRequestedFor(urlEqualTo("/v1/audio/transcriptions"))
                .withHeader("Authorization", equalTo("Bearer sk-wire-audio-key-0001"))
                .withRequestBodyPart(aMultipart().withName("model").withBody(equalTo("whisper-1")).build())
                .withRequestBodyPart(aMultipart().withName("language").withBody(equalTo("en")).build())
                .withRequestBodyPart(aMultipart().withName("file").withHeader("Content-Disposition",
                        com.github.tomakehurst.wiremock.client.WireMock.containing("filename=\"speech.ogg\"")).build()));
    }

    @Test
    void textIsAskedAsJsonUpstreamSoThatTheProvidersSecondsCount() throws Exception {
        upstream.stubFor(post("/v1/audio/transcriptions").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"Hello.\",\"usage\":{\"type\":\"duration\",\"seconds\":2}}")));

        var reply = transcribe(account.key(), "/v1/audio/transcriptions", wired + "/whisper-1", "note.m4a",
                new byte[20_000], Map.of("response_format", "text"));

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("Hello.\n");
        assertThat(reply.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(first(settled(reply.headers().firstValue("x-request-id").orElseThrow()), CreditsDebited.class)
                .amountMicros()).isEqualTo(2 * PER_SECOND_MICROS);
        upstream.verify(postRequestedFor(urlEqualTo("/v1/audio/transcriptions"))
                .withRequestBodyPart(aMultipart().withName("response_format").withBody(equalTo("json")).build()));
    }

    @Test
    void speechIsRelayedAsTheProviderSentIt() throws Exception {
        byte[] mp3 = {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64, 1, 2, 3, 4, 5, 6, 7, 8};
        upstream.stubFor(post("/v1/audio/speech").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "audio/mpeg").withBody(mp3)));

        byte[] audio;
        try (HttpResponse speech = sdk.audio().speech().create(SpeechCreateParams.builder()
                .model(wired + "/tts-1").voice("nova").input("Hi there").speed(1.25).build())) {
            assertThat(speech.headers().values("Content-Type")).containsExactly("audio/mpeg");
            try (InputStream body = speech.body()) {
                audio = body.readAllBytes();
            }
        }

        assertThat(audio).isEqualTo(mp3);
        upstream.verify(postRequestedFor(urlEqualTo("/v1/audio/speech")).withRequestBody(equalToJson("""
                {"model":"tts-1","voice":"nova","input":"Hi there","speed":1.25}""", true, true)));
    }

    @Test
    void aigneHubsAudioRoutesTakeTheSameCallsAndAnswerErrorsInItsShape() throws Exception {
        var transcribed = transcribe(account.key(), "/api/v2/audio/transcriptions", mocked + "/whisper-1", "a.wav",
                wav(8_000, 2), Map.of());
        var spoken = gateway.post("/api/v2/audio/speech", account.key(),
                Map.of("model", mocked + "/tts-1", "voice", "alloy", "input", "Hello", "response_format", "pcm"));
        var refused = transcribe(account.key(), "/api/v2/audio/transcriptions", mocked + "/whisper-1", null, null,
                Map.of());

        assertThat(transcribed.statusCode()).isEqualTo(200);
        List<TollgateEvent> events = settled(transcribed.headers().firstValue("x-request-id").orElseThrow());
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(2 * PER_SECOND_MICROS);
        assertThat(first(events, RequestAccepted.class).apiFormat()).isEqualTo("aigne.audio.transcriptions");
        assertThat(JSON.readTree(transcribed.body()).path("usage").path("cost").decimalValue())
                .isEqualByComparingTo("0.0002");
        assertThat(spoken.status()).isEqualTo(200);
        assertThat(spoken.raw().headers().firstValue("Content-Type")).hasValue("audio/pcm");
        assertThat(first(settled(spoken.header("x-request-id")), CreditsDebited.class).amountMicros())
                .isEqualTo(5 * PER_CHARACTER_MICROS);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").path("message").asText()).contains("'file'");
        assertThat(JSON.readTree(refused.body()).path("error").has("code")).isFalse();
    }

    @Test
    void badInputIsRefusedInOpenAisShapeAndNothingIsCharged() throws Exception {
        String model = mocked + "/whisper-1";
        var noFile = transcribe(account.key(), "/v1/audio/transcriptions", model, null, null, Map.of());
        var noModel = transcribe(account.key(), "/v1/audio/transcriptions", null, "a.wav", wav(8_000, 1), Map.of());
        var unknownModel = transcribe(account.key(), "/v1/audio/transcriptions", mocked + "/no-such-model", "a.wav",
                wav(8_000, 1), Map.of());
        var chatModel = transcribe(account.key(), "/v1/audio/transcriptions", mocked + "/gpt-4o", "a.wav",
                wav(8_000, 1), Map.of());
        var badFormat = transcribe(account.key(), "/v1/audio/transcriptions", model, "a.wav", wav(8_000, 1),
                Map.of("response_format", "mp3"));
        var notAForm = gateway.post("/v1/audio/transcriptions", account.key(), Map.of("model", model));
        var speechWithoutInput = gateway.post("/v1/audio/speech", account.key(),
                Map.of("model", mocked + "/tts-1", "voice", "alloy"));
        var speechOfAChatModel = gateway.post("/v1/audio/speech", account.key(),
                Map.of("model", mocked + "/gpt-4o", "voice", "alloy", "input", "Hi"));

        assertRefused(noFile, 400, "'file' is required");
        assertRefused(noModel, 400, "model");
        assertThat(unknownModel.statusCode()).isBetween(400, 404);
        assertThat(JSON.readTree(unknownModel.body()).path("error").path("message").asText()).contains("no-such-model");
        assertRefused(chatModel, 400, "no transcription rate");
        assertRefused(badFormat, 400, "response_format");
        assertThat(notAForm.status()).isEqualTo(415);
        assertThat(notAForm.json().path("error").path("message").asText()).contains("multipart/form-data");
        assertThat(speechWithoutInput.status()).isEqualTo(400);
        assertThat(speechWithoutInput.json().path("error").path("message").asText()).contains("'input'");
        assertThat(speechOfAChatModel.status()).isEqualTo(400);
        assertThat(speechOfAChatModel.json().path("error").path("message").asText()).contains("no speech rate");

        String rejected = noFile.headers().firstValue("x-request-id").orElseThrow();
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(rejected),
                found -> found.stream().anyMatch(RequestRejected.class::isInstance));
        assertThat(events).noneMatch(event -> event instanceof CreditsDebited || event instanceof RequestAccepted);
        assertThat(mock.stats().requests(MockEndpoint.OPENAI_AUDIO_TRANSCRIPTIONS)).isZero();
        assertThat(mock.stats().requests(MockEndpoint.OPENAI_AUDIO_SPEECH)).isZero();
        // Nothing was held or spent: the next call sees the whole balance less its own cost.
        var after = transcribe(account.key(), "/v1/audio/transcriptions", model, "a.wav", wav(8_000, 1), Map.of());
        assertThat(after.headers().firstValue("x-tollgate-balance")).hasValue("4.9999");
    }

    @Test
    void anUploadOverTheLimitIsA413BeforeAnythingIsHeld() throws Exception {
        long limit = 25L * 1024 * 1024;
        // A file just over the limit, inside the route's body limit: refused by the service, named as the file.
        var overFile = transcribe(account.key(), "/v1/audio/transcriptions", mocked + "/whisper-1", "big.mp3",
                new byte[(int) limit + 1], Map.of());
        // A body declared larger than the route takes: refused before it is read.
        var overBody = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/audio/transcriptions"))
                        .header("Authorization", "Bearer " + account.key())
                        .header("Content-Type", "multipart/form-data; boundary=b")
                        .expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[(int) limit + 128 * 1024])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertRefused(overFile, 413, "largest this gateway takes");
        assertThat(overBody.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(overBody.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
        assertThat(mock.stats().requests(MockEndpoint.OPENAI_AUDIO_TRANSCRIPTIONS)).isZero();
    }

    @Test
    void otherEndpointsKeepTheirOwnBodyLimit() {
        var tooLarge = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + account.key())
                        .header("Content-Type", "application/json")
                        .expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[11 * 1024 * 1024])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).join();

        assertThat(tooLarge.statusCode()).isEqualTo(413);
    }

    private static void assertRefused(java.net.http.HttpResponse<String> reply, int status, String message)
            throws IOException {
        assertThat(reply.statusCode()).isEqualTo(status);
        JsonNode error = JSON.readTree(reply.body()).path("error");
        assertThat(error.path("message").asText()).contains(message);
        assertThat(error.has("type")).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }

    /** A multipart form as a browser or curl sends it; a null model or file leaves that part out. */
    private java.net.http.HttpResponse<String> transcribe(String key, String path, String model, String filename,
                                                          byte[] file, Map<String, String> fields)
            throws IOException, InterruptedException {
        var body = new ByteArrayOutputStream();
        if (model != null) {
            body.writeBytes(field("model", model));
        }
        fields.forEach((name, value) -> body.writeBytes(field(name, value)));
        if (file != null) {
            body.writeBytes(("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(file);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes("--b0undary--\r\n".getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "multipart/form-data; boundary=b0undary")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] field(String name, String value) {
        return ("--b0undary\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Seconds of 16-bit mono silence as a WAV. */
    static byte[] wav(int sampleRate, int seconds) {
        return AudioDurationTest.wav(sampleRate, sampleRate * seconds, sampleRate * seconds * 2);
    }

    private static List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
