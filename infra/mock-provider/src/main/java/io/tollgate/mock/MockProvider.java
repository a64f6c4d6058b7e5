package io.tollgate.mock;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running mock LLM provider: one HTTP server on 127.0.0.1 that answers the OpenAI, Anthropic and
 * Gemini wire formats with deterministic replies. Each request runs on its own virtual thread, so
 * latency, slow streams and held "timeouts" cost no platform threads.
 *
 * <pre>{@code
 * try (MockProvider provider = MockProvider.start(MockProviderConfig.defaults())) {
 *     String openAiBaseUrl = provider.baseUrl() + "/v1";
 * }
 * }</pre>
 */
public final class MockProvider implements AutoCloseable {

    private static final int ACCEPT_BACKLOG = 1024;
    private static final long SHUTDOWN_WAIT_SECONDS = 5;

    private final HttpServer server;
    private final ExecutorService requestThreads;
    private final AtomicReference<MockProviderConfig> config;
    private final RequestCounters counters = new RequestCounters();
    private final FailureInjector failures;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MockProvider(MockProviderConfig initialConfig) throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        server = HttpServer.create(new InetSocketAddress(loopback, initialConfig.port()), ACCEPT_BACKLOG);
        // The bound port replaces 0, so config() tells callers where the server really listens.
        config = new AtomicReference<>(initialConfig.withPort(server.getAddress().getPort()));
        failures = new FailureInjector(initialConfig.seed());
        requestThreads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(requestThreads);
        server.createContext("/", new MockRequestRouter(config::get, counters, new ControlApi(this), failures));
        server.start();
    }

    /** Binds 127.0.0.1 on the configured port (0 = a free one) and starts answering. */
    public static MockProvider start(MockProviderConfig config) {
        try {
            return new MockProvider(config);
        } catch (IOException e) {
            throw new UncheckedIOException("mock provider could not listen on 127.0.0.1:" + config.port(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** For example {@code http://127.0.0.1:8090}; OpenAI clients want {@code baseUrl() + "/v1"}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public MockProviderConfig config() {
        return config.get();
    }

    /**
     * Applies new behaviour to requests that arrive from now on. The port cannot change and is ignored;
     * a different seed restarts the random failure sequence.
     */
    public void updateConfig(MockProviderConfig newConfig) {
        MockProviderConfig previous = config.getAndSet(newConfig.withPort(port()));
        if (previous.seed() != newConfig.seed()) {
            failures.reseed(newConfig.seed());
        }
    }

    /** Provider-API requests received since start or the last {@link #reset()}; control endpoints excluded. */
    public long requestCount() {
        return counters.total();
    }

    public long requestCount(MockEndpoint endpoint) {
        return stats().requests(endpoint);
    }

    public MockProviderStats stats() {
        return counters.snapshot();
    }

    /** Zeroes the request counters and restarts the random failure sequence from the configured seed. */
    public void reset() {
        counters.reset();
        failures.reseed(config.get().seed());
    }

    /** Stops listening, drops open connections and interrupts requests still being answered or held. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        requestThreads.shutdownNow();
        try {
            requestThreads.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
