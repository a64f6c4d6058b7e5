package io.tollgate.gateway.errors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.ledger.credits.AccountStateConflict;
import io.tollgate.ledger.credits.RepeatedWithOtherTerms;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import java.util.Optional;

/**
 * Every error leaves in the shape of the API that was called (see {@link ApiShape}); admin endpoints use
 * OpenAI's. Bad input is a 4xx with a clear message; only the unexpected is a 5xx, and its body says
 * nothing internal.
 */
@RestControllerAdvice
public class ApiErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    @ExceptionHandler(GatewayException.class)
    ResponseEntity<ObjectNode> gateway(GatewayException e) {
        var response = respond(e.status(), e.getMessage(), e.type(), e.code());
        if (e.headers().isEmpty()) {
            return response;
        }
        var withHeaders = ResponseEntity.status(e.status());
        e.headers().forEach(withHeaders::header);
        return withHeaders.body(response.getBody());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ObjectNode> unreadable(HttpMessageNotReadableException e) {
        return respond(HttpStatus.BAD_REQUEST, "We could not parse the JSON body of your request.",
                "invalid_request_error", null);
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ObjectNode> invalid(MethodArgumentNotValidException e) {
        var field = e.getBindingResult().getFieldError();
        String message = field == null ? "Invalid request." : field.getField() + ": " + field.getDefaultMessage();
        return respond(HttpStatus.BAD_REQUEST, message, "invalid_request_error", null);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<ObjectNode> illegalArgument(IllegalArgumentException e) {
        return respond(HttpStatus.BAD_REQUEST, e.getMessage(), "invalid_request_error", null);
    }

    @ExceptionHandler(AggregateNotFoundException.class)
    ResponseEntity<ObjectNode> unknownAccount(AggregateNotFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "No such account.", "invalid_request_error", "account_not_found");
    }

    @ExceptionHandler(RepeatedWithOtherTerms.class)
    ResponseEntity<ObjectNode> repeatedWithOtherTerms(RepeatedWithOtherTerms e) {
        return respond(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage() + ". Use a new Idempotency-Key (or id) for a "
                + "new operation.", "invalid_request_error", "idempotency_key_reused");
    }

    @ExceptionHandler(AccountStateConflict.class)
    ResponseEntity<ObjectNode> accountState(AccountStateConflict e) {
        return respond(HttpStatus.CONFLICT, e.getMessage(), "invalid_request_error", "account_state_conflict");
    }

    @ExceptionHandler(AggregateStreamCreationException.class)
    ResponseEntity<ObjectNode> alreadyExists(AggregateStreamCreationException e) {
        return respond(HttpStatus.CONFLICT, "That account already exists.", "invalid_request_error", "account_exists");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ObjectNode> method(HttpRequestMethodNotSupportedException e) {
        return respond(HttpStatus.METHOD_NOT_ALLOWED, e.getMessage(), "invalid_request_error", null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ObjectNode> mediaType(HttpMediaTypeNotSupportedException e) {
        return respond(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Send the request body as application/json.",
                "invalid_request_error", null);
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ObjectNode> notFound(NoResourceFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "Unknown path: /" + e.getResourcePath(), "invalid_request_error",
                "unknown_url");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ObjectNode> unexpected(Exception e) {
        log.error("unexpected failure", e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, "The gateway failed unexpectedly.",
                "server_error", null);
    }

    static ResponseEntity<ObjectNode> respond(HttpStatus status, String message, String type, String code) {
        ApiShape shape = currentRequest().map(ApiShape::of).orElse(ApiShape.OPENAI);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(shape.errorBody(status.value(), type, code, message));
    }

    private static Optional<HttpServletRequest> currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? Optional.of(attributes.getRequest())
                : Optional.empty();
    }
}
