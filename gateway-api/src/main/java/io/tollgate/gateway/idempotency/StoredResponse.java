package io.tollgate.gateway.idempotency;

import java.util.List;
import java.util.Map;

/**
 * A final outcome as the client received it, for replay.
 *
 * @param headers the response headers a retry must see again (x-request-id, x-tollgate-*)
 * @param body    null when the response was not kept (too large, or the request failed in an unknown state)
 */
record StoredResponse(int status, String contentType, Map<String, List<String>> headers, byte[] body) {

    StoredResponse withoutBody() {
        return new StoredResponse(status, contentType, headers, null);
    }

    boolean replayable() {
        return body != null;
    }

    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }
}
