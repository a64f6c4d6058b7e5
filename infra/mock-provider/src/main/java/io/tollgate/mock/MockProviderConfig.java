package io.tollgate.mock;

/**
 * How a {@link MockProvider} behaves. Immutable; change a running server with
 * {@link MockProvider#updateConfig(MockProviderConfig)} (the port is fixed once started).
 *
 * @param port            TCP port on 127.0.0.1; 0 picks a free one
 * @param requiredApiKey  the only API key accepted, or {@code null} to accept any key (or none)
 * @param latencyMs       delay before the first byte of every provider answer
 * @param chunkDelayMs    delay between two consecutive chunks of a streamed answer
 * @param rate429         share of requests (0..1) answered with the provider's rate-limit error
 * @param rate500         share of requests (0..1) answered with the provider's server error
 * @param rateTimeout     share of requests (0..1) held without an answer, like a hung upstream
 * @param timeoutHoldMs   how long a held request waits before its connection is closed unanswered
 * @param seed            seed of the random failure draws, so a sequence of requests fails the same way every run
 * @param replyWords      words (= output tokens) in every reply before the request's max-token cap
 */
public record MockProviderConfig(
        int port,
        String requiredApiKey,
        long latencyMs,
        long chunkDelayMs,
        double rate429,
        double rate500,
        double rateTimeout,
        long timeoutHoldMs,
        long seed,
        int replyWords) {

    public static final long DEFAULT_TIMEOUT_HOLD_MS = 30_000;
    public static final int DEFAULT_REPLY_WORDS = 12;

    public MockProviderConfig {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        requireNotNegative("latencyMs", latencyMs);
        requireNotNegative("chunkDelayMs", chunkDelayMs);
        requireNotNegative("timeoutHoldMs", timeoutHoldMs);
        requireRate("rate429", rate429);
        requireRate("rate500", rate500);
        requireRate("rateTimeout", rateTimeout);
        if (replyWords < 1) {
            throw new IllegalArgumentException("replyWords must be at least 1, was " + replyWords);
        }
    }

    /** Ephemeral port, any API key, no latency, no failures, 12-word replies. */
    public static MockProviderConfig defaults() {
        return new MockProviderConfig(0, null, 0, 0, 0, 0, 0, DEFAULT_TIMEOUT_HOLD_MS, 0, DEFAULT_REPLY_WORDS);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public MockProviderConfig withPort(int port) {
        return toBuilder().port(port).build();
    }

    public MockProviderConfig withRequiredApiKey(String requiredApiKey) {
        return toBuilder().requiredApiKey(requiredApiKey).build();
    }

    public MockProviderConfig withLatencyMs(long latencyMs) {
        return toBuilder().latencyMs(latencyMs).build();
    }

    public MockProviderConfig withChunkDelayMs(long chunkDelayMs) {
        return toBuilder().chunkDelayMs(chunkDelayMs).build();
    }

    public MockProviderConfig withRate429(double rate429) {
        return toBuilder().rate429(rate429).build();
    }

    public MockProviderConfig withRate500(double rate500) {
        return toBuilder().rate500(rate500).build();
    }

    public MockProviderConfig withRateTimeout(double rateTimeout) {
        return toBuilder().rateTimeout(rateTimeout).build();
    }

    public MockProviderConfig withTimeoutHoldMs(long timeoutHoldMs) {
        return toBuilder().timeoutHoldMs(timeoutHoldMs).build();
    }

    public MockProviderConfig withSeed(long seed) {
        return toBuilder().seed(seed).build();
    }

    public MockProviderConfig withReplyWords(int replyWords) {
        return toBuilder().replyWords(replyWords).build();
    }

    private static void requireNotNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }

    private static void requireRate(String name, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
        }
    }

    public static final class Builder {
        private int port;
        private String requiredApiKey;
        private long latencyMs;
        private long chunkDelayMs;
        private double rate429;
        private double rate500;
        private double rateTimeout;
        private long timeoutHoldMs;
        private long seed;
        private int replyWords;

        private Builder(MockProviderConfig start) {
            port = start.port;
            requiredApiKey = start.requiredApiKey;
            latencyMs = start.latencyMs;
            chunkDelayMs = start.chunkDelayMs;
            rate429 = start.rate429;
            rate500 = start.rate500;
            rateTimeout = start.rateTimeout;
            timeoutHoldMs = start.timeoutHoldMs;
            seed = start.seed;
            replyWords = start.replyWords;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder requiredApiKey(String requiredApiKey) {
            this.requiredApiKey = requiredApiKey;
            return this;
        }

        public Builder latencyMs(long latencyMs) {
            this.latencyMs = latencyMs;
            return this;
        }

        public Builder chunkDelayMs(long chunkDelayMs) {
            this.chunkDelayMs = chunkDelayMs;
            return this;
        }

        public Builder rate429(double rate429) {
            this.rate429 = rate429;
            return this;
        }

        public Builder rate500(double rate500) {
            this.rate500 = rate500;
            return this;
        }

        public Builder rateTimeout(double rateTimeout) {
            this.rateTimeout = rateTimeout;
            return this;
        }

        public Builder timeoutHoldMs(long timeoutHoldMs) {
            this.timeoutHoldMs = timeoutHoldMs;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder replyWords(int replyWords) {
            this.replyWords = replyWords;
            return this;
        }

        public MockProviderConfig build() {
            return new MockProviderConfig(port, requiredApiKey, latencyMs, chunkDelayMs,
                    rate429, rate500, rateTimeout, timeoutHoldMs, seed, replyWords);
        }
    }
}
