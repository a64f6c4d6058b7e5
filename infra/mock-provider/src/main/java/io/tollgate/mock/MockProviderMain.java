package io.tollgate.mock;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** Runs the mock provider as its own process until SIGTERM or Ctrl-C. */
public final class MockProviderMain {

    static final int DEFAULT_PORT = 8090;

    static final String USAGE = """
            Usage: java -jar tollgate-mock-provider-exec.jar [options]
              --port N              port on 127.0.0.1, 0 picks a free one (default %d)
              --api-key K           accept only this API key (default: accept any)
              --latency-ms N        delay before the first byte of every answer (default 0)
              --chunk-delay-ms N    delay between streamed chunks (default 0)
              --rate-429 X          share of requests answered 429, 0..1 (default 0)
              --rate-500 X          share of requests answered 500, 0..1 (default 0)
              --rate-timeout X      share of requests held unanswered, 0..1 (default 0)
              --timeout-hold-ms N   how long a held request waits before it is dropped (default %d)
              --seed N              seed of the random failures (default 0)
              --reply-words N       words (= output tokens) per reply (default %d)
              --help                print this help
            """.formatted(DEFAULT_PORT, MockProviderConfig.DEFAULT_TIMEOUT_HOLD_MS, MockProviderConfig.DEFAULT_REPLY_WORDS);

    private MockProviderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(USAGE);
            return;
        }
        MockProvider provider;
        try {
            provider = launch(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("mock provider: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        } catch (UncheckedIOException e) {
            System.err.println(e.getMessage() + ": " + e.getCause().getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            provider.close();
            stopped.countDown();
        }, "mock-provider-shutdown"));
        stopped.await();
    }

    /** Starts a provider from command-line arguments and announces its address on {@code out}. */
    static MockProvider launch(String[] args, PrintStream out) {
        MockProvider provider = MockProvider.start(parseArguments(args));
        out.println("mock provider listening on " + provider.baseUrl());
        out.flush();
        return provider;
    }

    /** Accepts both {@code --flag value} and {@code --flag=value}. */
    static MockProviderConfig parseArguments(String[] args) {
        MockProviderConfig.Builder config = MockProviderConfig.builder().port(DEFAULT_PORT);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value;
            int equals = flag.indexOf('=');
            if (flag.startsWith("--") && equals > 0) {
                value = flag.substring(equals + 1);
                flag = flag.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(flag.startsWith("--")
                        ? flag + " needs a value" : "unexpected argument '" + flag + "'");
            }
            switch (flag) {
                case "--port" -> config.port(integer(flag, value));
                case "--api-key" -> config.requiredApiKey(value);
                case "--latency-ms" -> config.latencyMs(longInteger(flag, value));
                case "--chunk-delay-ms" -> config.chunkDelayMs(longInteger(flag, value));
                case "--rate-429" -> config.rate429(decimal(flag, value));
                case "--rate-500" -> config.rate500(decimal(flag, value));
                case "--rate-timeout" -> config.rateTimeout(decimal(flag, value));
                case "--timeout-hold-ms" -> config.timeoutHoldMs(longInteger(flag, value));
                case "--seed" -> config.seed(longInteger(flag, value));
                case "--reply-words" -> config.replyWords(integer(flag, value));
                default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
            }
        }
        return config.build();
    }

    private static int integer(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
        }
    }

    private static long longInteger(String flag, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
        }
    }

    private static double decimal(String flag, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
        }
    }
}
