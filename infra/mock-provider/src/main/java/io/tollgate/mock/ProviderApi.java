package io.tollgate.mock;

import java.util.Optional;

/** What the three provider dialects share: API-key checks and the injected failures. */
abstract class ProviderApi {
    private final FailureInjector failures;

    ProviderApi(FailureInjector failures) {
        this.failures = failures;
    }

    abstract ProviderErrors errors();

    /** Rejects the request when a key is required and the presented one (null when absent) differs. */
    final void requireApiKey(ProviderExchange exchange, String presentedKey) {
        String requiredKey = exchange.config().requiredApiKey();
        if (requiredKey == null) {
            return;
        }
        if (presentedKey == null || presentedKey.isBlank()) {
            throw errors().missingApiKey();
        }
        if (!presentedKey.equals(requiredKey)) {
            throw errors().invalidApiKey();
        }
    }

    /**
     * Applies a failure model or a random failure draw to a valid request.
     *
     * @return true when the request has been dealt with (held like a timeout); error answers are thrown
     */
    final boolean heldByInjectedFailure(ProviderExchange exchange, String model) throws InterruptedException {
        Optional<InjectedFailure> failure = failures.decide(model, exchange.config());
        if (failure.isEmpty()) {
            return false;
        }
        switch (failure.get()) {
            case RATE_LIMITED -> throw errors().rateLimited();
            case SERVER_ERROR -> throw errors().serverError();
            case UNAUTHORIZED -> throw errors().unauthenticated();
            case TIMEOUT -> exchange.holdWithoutAnswering();
        }
        return true;
    }
}
