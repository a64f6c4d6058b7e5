package io.tollgate.mock;

/** One provider's error answers, each in that provider's documented error shape. */
interface ProviderErrors {

    /** The request carried no API key while one is required. */
    ErrorResponse missingApiKey();

    /** The request carried a different API key than the required one. */
    ErrorResponse invalidApiKey();

    /** The answer to the {@code mock-fail-401} model: the provider's 401. */
    ErrorResponse unauthenticated();

    ErrorResponse badRequest(String message);

    ErrorResponse rateLimited();

    ErrorResponse serverError();

    ErrorResponse notFound(String method, String path);

    default ErrorResponse malformedJson() {
        return badRequest("The request body is not valid JSON.");
    }
}
