package io.tollgate.gateway.errors;

import io.tollgate.ledger.credits.AccountStateConflict;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Every error of the OpenAI-shaped and admin endpoints leaves in OpenAI's error shape. Bad input is a
 * 4xx with a clear message; only the unexpected is a 5xx, and its body says nothing internal.
 */
@RestControllerAdvice
public class OpenAiErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

    @ExceptionHandler(GatewayException.class)
    ResponseEntity<OpenAiError> gateway(GatewayException e) {
        return respond(e.status(), e.getMessage(), e.type(), e.code());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<OpenAiError> unreadable(HttpMessageNotReadableException e) {
        return respond(HttpStatus.BAD_REQUEST, "We could not parse the JSON body of your request.",
                "invalid_request_error", null);
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<OpenAiError> invalid(MethodArgumentNotValidException e) {
        var field = e.getBindingResult().getFieldError();
        String message = field == null ? "Invalid request." : field.getField() + ": " + field.getDefaultMessage();
        return respond(HttpStatus.BAD_REQUEST, message, "invalid_request_error", null);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<OpenAiError> illegalArgument(IllegalArgumentException e) {
        return respond(HttpStatus.BAD_REQUEST, e.getMessage(), "invalid_request_error", null);
    }

    @ExceptionHandler(AggregateNotFoundException.class)
    ResponseEntity<OpenAiError> unknownAccount(AggregateNotFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "No such account.", "invalid_request_error", "account_not_found");
    }

    @ExceptionHandler(AccountStateConflict.class)
    ResponseEntity<OpenAiError> accountState(AccountStateConflict e) {
        return respond(HttpStatus.CONFLICT, e.getMessage(), "invalid_request_error", "account_state_conflict");
    }

    @ExceptionHandler(AggregateStreamCreationException.class)
    ResponseEntity<OpenAiError> alreadyExists(AggregateStreamCreationException e) {
        return respond(HttpStatus.CONFLICT, "That account already exists.", "invalid_request_error", "account_exists");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<OpenAiError> method(HttpRequestMethodNotSupportedException e) {
        return respond(HttpStatus.METHOD_NOT_ALLOWED, e.getMessage(), "invalid_request_error", null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<OpenAiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return respond(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Send the request body as application/json.",
                "invalid_request_error", null);
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<OpenAiError> notFound(NoResourceFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "Unknown path: /" + e.getResourcePath(), "invalid_request_error",
                "unknown_url");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<OpenAiError> unexpected(Exception e) {
        log.error("unexpected failure", e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, "The gateway failed unexpectedly.",
                "server_error", null);
    }

    static ResponseEntity<OpenAiError> respond(HttpStatus status, String message, String type, String code) {
        return ResponseEntity.status(status).body(OpenAiError.of(message, type, code));
    }
}
