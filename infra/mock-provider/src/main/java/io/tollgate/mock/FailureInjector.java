package io.tollgate.mock;

import java.util.Optional;
import java.util.Random;

/**
 * Decides which requests fail: always for the special failure models, otherwise by a seeded random
 * draw against the configured rates, so the same sequence of requests fails the same way each run.
 */
final class FailureInjector {

    static final String MODEL_FAIL_429 = "mock-fail-429";
    static final String MODEL_FAIL_500 = "mock-fail-500";
    static final String MODEL_FAIL_401 = "mock-fail-401";
    static final String MODEL_TIMEOUT = "mock-timeout";

    private Random random;

    FailureInjector(long seed) {
        reseed(seed);
    }

    synchronized void reseed(long seed) {
        random = new Random(seed);
    }

    /**
     * Draws once per call (special models included) so that one request's outcome never depends on
     * which models earlier requests used.
     */
    Optional<InjectedFailure> decide(String model, MockProviderConfig config) {
        double draw;
        synchronized (this) {
            draw = random.nextDouble();
        }
        Optional<InjectedFailure> forced = forModel(model);
        if (forced.isPresent()) {
            return forced;
        }
        double threshold = config.rate429();
        if (draw < threshold) {
            return Optional.of(InjectedFailure.RATE_LIMITED);
        }
        threshold += config.rate500();
        if (draw < threshold) {
            return Optional.of(InjectedFailure.SERVER_ERROR);
        }
        threshold += config.rateTimeout();
        if (draw < threshold) {
            return Optional.of(InjectedFailure.TIMEOUT);
        }
        return Optional.empty();
    }

    static Optional<InjectedFailure> forModel(String model) {
        if (model == null) {
            return Optional.empty();
        }
        return switch (model) {
            case MODEL_FAIL_429 -> Optional.of(InjectedFailure.RATE_LIMITED);
            case MODEL_FAIL_500 -> Optional.of(InjectedFailure.SERVER_ERROR);
            case MODEL_FAIL_401 -> Optional.of(InjectedFailure.UNAUTHORIZED);
            case MODEL_TIMEOUT -> Optional.of(InjectedFailure.TIMEOUT);
            default -> Optional.empty();
        };
    }
}
