package io.tollgate.mock;

/** A failure the mock answers with instead of a normal reply. */
enum InjectedFailure {
    RATE_LIMITED,
    SERVER_ERROR,
    UNAUTHORIZED,
    /** Hold the connection without answering, then drop it. */
    TIMEOUT
}
