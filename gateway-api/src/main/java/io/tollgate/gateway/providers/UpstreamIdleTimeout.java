package io.tollgate.gateway.providers;

import java.io.IOException;
import java.time.Duration;

/**
 * The provider sent nothing for {@code tollgate.upstream.response-timeout} while its answer was being read:
 * the call is cut off there.
 */
public class UpstreamIdleTimeout extends IOException {
    public UpstreamIdleTimeout(Duration idleTimeout) {
        super("The provider sent nothing for " + idleTimeout.toMillis() / 1000.0 + " s; the answer was cut off there.");
    }
}
