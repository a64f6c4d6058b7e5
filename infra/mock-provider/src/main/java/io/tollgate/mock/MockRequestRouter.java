package io.tollgate.mock;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sends each request to the control endpoints or to the provider dialect its path belongs to. */
final class MockRequestRouter implements HttpHandler {

    private static final String CONTROL_PREFIX = "/_mock/";
    /** Gemini puts the model and the method in the path: /v1beta/models/{model}:{method}. */
    private static final Pattern GEMINI_PATH = Pattern.compile("^/(?:v1beta|v1)/models/([^/:]+):([A-Za-z]+)$");

    private final Supplier<MockProviderConfig> config;
    private final RequestCounters counters;
    private final ControlApi control;
    private final OpenAiApi openAi;
    private final OpenAiAudio audio;
    private final AnthropicApi anthropic;
    private final GeminiApi gemini;

    MockRequestRouter(Supplier<MockProviderConfig> config, RequestCounters counters, ControlApi control,
                      FailureInjector failures) {
        this.config = config;
        this.counters = counters;
        this.control = control;
        this.openAi = new OpenAiApi(failures);
        this.audio = new OpenAiAudio(failures);
        this.anthropic = new AnthropicApi(failures);
        this.gemini = new GeminiApi(failures);
    }

    @FunctionalInterface
    private interface Handler {
        void handle(ProviderExchange exchange) throws IOException, InterruptedException;
    }

    private record Route(MockEndpoint endpoint, ProviderErrors errors, Handler handler) {
    }

    @Override
    public void handle(HttpExchange http) {
        try (http) {
            String path = http.getRequestURI().getPath();
            if (path.startsWith(CONTROL_PREFIX)) {
                control.handle(http);
                return;
            }
            Route route = route(http.getRequestMethod(), path);
            counters.record(route.endpoint());
            ProviderExchange exchange = new ProviderExchange(http, config.get(), route.errors());
            try {
                route.handler().handle(exchange);
            } catch (ErrorResponse error) {
                exchange.sendError(error);
            } catch (RuntimeException bug) {
                // Answer like a provider outage rather than dropping the connection, and leave a trace.
                System.err.println("mock provider: unexpected failure on " + http.getRequestMethod() + " " + path
                        + ": " + bug);
                if (!exchange.responseStarted()) {
                    exchange.sendError(route.errors().serverError());
                }
            }
        } catch (IOException clientWentAway) {
            // Nothing left to answer: the client closed the connection mid-exchange.
        } catch (InterruptedException shuttingDown) {
            Thread.currentThread().interrupt();
        }
    }

    private Route route(String method, String path) {
        boolean post = method.equals("POST");
        if (post && path.equals("/v1/chat/completions")) {
            return new Route(MockEndpoint.OPENAI_CHAT_COMPLETIONS, openAi.errors(), openAi::chatCompletions);
        }
        if (post && path.equals("/v1/embeddings")) {
            return new Route(MockEndpoint.OPENAI_EMBEDDINGS, openAi.errors(), openAi::embeddings);
        }
        if (post && path.equals("/v1/audio/transcriptions")) {
            return new Route(MockEndpoint.OPENAI_AUDIO_TRANSCRIPTIONS, openAi.errors(), audio::transcriptions);
        }
        if (post && path.equals("/v1/audio/speech")) {
            return new Route(MockEndpoint.OPENAI_AUDIO_SPEECH, openAi.errors(), audio::speech);
        }
        if (method.equals("GET") && path.equals("/v1/models")) {
            return new Route(MockEndpoint.OPENAI_MODELS, openAi.errors(), openAi::listModels);
        }
        if (post && path.equals("/v1/messages")) {
            return new Route(MockEndpoint.ANTHROPIC_MESSAGES, anthropic.errors(), anthropic::messages);
        }
        if (post && path.equals("/v1/messages/count_tokens")) {
            return new Route(MockEndpoint.ANTHROPIC_COUNT_TOKENS, anthropic.errors(), anthropic::countTokens);
        }
        Matcher geminiPath = GEMINI_PATH.matcher(path);
        if (post && geminiPath.matches()) {
            String model = geminiPath.group(1);
            switch (geminiPath.group(2)) {
                case "generateContent" -> {
                    return new Route(MockEndpoint.GEMINI_GENERATE_CONTENT, gemini.errors(),
                            exchange -> gemini.generateContent(exchange, model));
                }
                case "streamGenerateContent" -> {
                    return new Route(MockEndpoint.GEMINI_STREAM_GENERATE_CONTENT, gemini.errors(),
                            exchange -> gemini.streamGenerateContent(exchange, model));
                }
                default -> {
                    // Another Gemini method (countTokens, embedContent, ...): not served, answered 404 below.
                }
            }
        }
        ProviderErrors errors = notFoundDialect(path);
        return new Route(MockEndpoint.UNKNOWN, errors, exchange -> {
            throw errors.notFound(method, path);
        });
    }

    /** A 404 still comes in the shape of the provider whose address space the path is in. */
    private ProviderErrors notFoundDialect(String path) {
        if (path.startsWith("/v1beta/") || GEMINI_PATH.matcher(path).matches()) {
            return gemini.errors();
        }
        if (path.startsWith("/v1/messages")) {
            return anthropic.errors();
        }
        return openAi.errors();
    }
}
