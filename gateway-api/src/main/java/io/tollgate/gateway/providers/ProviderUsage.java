package io.tollgate.gateway.providers;

/** Token usage as a provider reported it, normalised. */
public record ProviderUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens) {
}
