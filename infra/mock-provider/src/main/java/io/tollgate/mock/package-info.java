/**
 * A stand-in for the upstream providers (OpenAI, Anthropic, Gemini wire formats) with scripted latency and faults,
 * for the tests, the benchmark and the demo.
 * It may use the JDK's HTTP server and Jackson; nothing of Tollgate, so that it answers as a provider would.
 */
package io.tollgate.mock;
