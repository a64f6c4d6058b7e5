package io.tollgate.gateway.errors;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The API a caller speaks, judged by the path it called. Every error leaves in its caller's shape, so an
 * SDK pointed at Tollgate parses Tollgate's refusals exactly as it parses the provider's.
 */
public enum ApiShape {
    /** {"error":{"message","type","param","code"}} */
    OPENAI,
    /** {"type":"error","error":{"type","message"}} */
    ANTHROPIC,
    /**
     * AIGNE Hub's v2 API and its user routes (/api/user, /api/usage): {"error":{"message"}}, plus "type" ("NOT_ENOUGH") and "timestamp" for a credit
     * refusal (AIGNE Hub's error handler in api/src/index.ts; its clients read error.message and treat a
     * present error.type as a credit/config error).
     */
    AIGNE;

    public static ApiShape of(HttpServletRequest request) {
        return ofPath(request.getRequestURI());
    }

    public static ApiShape ofPath(String path) {
        if (path.startsWith("/v1/messages")) {
            return ANTHROPIC;
        }
        if (path.startsWith("/api/v2/") || path.startsWith("/api/user/") || path.startsWith("/api/usage/")) {
            return AIGNE;
        }
        return OPENAI;
    }

    public ObjectNode errorBody(int status, String type, String code, String message) {
        return errorBody(status, type, code, message, null);
    }

    /**
     * @param paymentLink where the caller can buy credit (a 402 for lack of it, where purchases are configured):
     *                    a {@code payment_link} field next to the message, as AIGNE Hub's 402 answers carry one;
     *                    null for none
     */
    public ObjectNode errorBody(int status, String type, String code, String message, String paymentLink) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        switch (this) {
            case ANTHROPIC -> {
                body.put("type", "error");
                body.putObject("error").put("type", anthropicType(status, type)).put("message", message);
            }
            case OPENAI -> body.putObject("error").put("message", message).put("type", type).putNull("param")
                    .put("code", code);
            case AIGNE -> {
                ObjectNode error = body.putObject("error").put("message", message);
                if (status == 402) {
                    error.put("type", "NOT_ENOUGH");
                    error.put("timestamp", java.time.Instant.now().toString());
                }
            }
        }
        if (paymentLink != null) {
            ((ObjectNode) body.get("error")).put("payment_link", paymentLink);
        }
        return body;
    }

    /** Anthropic's error types are fixed per status; see its API reference, "Errors". */
    static String anthropicType(int status, String openAiType) {
        return switch (status) {
            case 400, 409, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529, 503 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : openAiType;
        };
    }
}
