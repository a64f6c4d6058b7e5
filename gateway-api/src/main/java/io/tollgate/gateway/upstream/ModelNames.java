package io.tollgate.gateway.upstream;

import io.tollgate.gateway.errors.GatewayException;
import org.springframework.http.HttpStatus;

/**
 * The edge's rule for the model a client names: it reaches the request's events, so it is checked before
 * anything records it (DESIGN.md I8). A NUL byte or a name of kilobytes would be refused by the views'
 * database and stall or dead-letter the projection.
 */
final class ModelNames {
    static final int MAX_LENGTH = 256;

    private ModelNames() {
    }

    static boolean acceptable(String model) {
        if (model == null || model.isEmpty() || model.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            if (Character.isISOControl(c)) {
                return false;
            }
            // A lone surrogate (a JSON escape such as \uD800) has no UTF-8 form.
            if (Character.isHighSurrogate(c) && i + 1 < model.length() && Character.isLowSurrogate(model.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static GatewayException refusal() {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error",
                "invalid_model", "The model name must be 1 to " + MAX_LENGTH
                + " characters without control characters.");
    }
}
