package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.errors.Outages;
import io.tollgate.gateway.errors.PaymentLink;
import io.tollgate.ledger.api.AccountStateConflict;
import io.tollgate.ledger.api.RepeatedWithOtherTerms;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageConversionException;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import java.util.Optional;

/**
 * Every error leaves in the shape of the API that was called (see {@link ApiShape}); admin endpoints use
 * OpenAI's. Bad input is a 4xx with a clear message; only the unexpected is a 5xx, and its body says
 * nothing internal.
 */
@RestControllerAdvice
class ApiErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    private final ObjectProvider<PaymentLink> payments;

    ApiErrorHandler(ObjectProvider<PaymentLink> payments) {
        this.payments = payments;
    }

    @ExceptionHandler(GatewayException.class)
    ResponseEntity<ObjectNode> gateway(GatewayException e) {
        var response = e.forLackOfCredit()
                ? respond(e.status(), e.getMessage(), e.type(), e.code(), paymentLink(payments))
                : respond(e.status(), e.getMessage(), e.type(), e.code());
        if (e.headers().isEmpty()) {
            return response;
        }
        var withHeaders = ResponseEntity.status(e.status());
        e.headers().forEach(withHeaders::header);
        return withHeaders.body(response.getBody());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ObjectNode> unreadable(HttpMessageNotReadableException e) {
        if (BodyTooLarge.in(e) instanceof BodyTooLarge tooLarge) {
            return gateway(BodyLimitFilter.tooLarge(tooLarge.limit()).withHeader("Connection", "close"));
        }
        return respond(HttpStatus.BAD_REQUEST, "We could not parse the JSON body of your request.",
                "invalid_request_error", null);
    }

    /**
     * Jackson's "type definition" errors while reading a body are the client's doing: a record field sent twice
     * ({"reason":"a","reason":"b"}) has nowhere to go once the record is built. While writing they are a bug.
     */
    @ExceptionHandler(HttpMessageConversionException.class)
    ResponseEntity<ObjectNode> unconvertible(HttpMessageConversionException e) {
        if (e.getCause() instanceof InvalidDefinitionException definition && thrownWhileReading(e)) {
            String field = definition.getPath().isEmpty() ? null : definition.getPath().getLast().getFieldName();
            return respond(HttpStatus.BAD_REQUEST, field != null ? "'" + ClientText.printable(field, ClientText.NAME_MAX)
                            + "' appears more than once or cannot be read." : "We could not read the JSON body of your request.",
                    "invalid_request_error", null);
        }
        return unexpected(e);
    }

    /** Spring's Jackson converter throws the same exception for a body it reads and for an answer it writes. */
    private static boolean thrownWhileReading(HttpMessageConversionException e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length > 0 && trace[0].getMethodName().startsWith("read");
    }

    /** A path variable or query parameter of the wrong type, e.g. {@code markup=abc}. */
    @ExceptionHandler(TypeMismatchException.class)
    ResponseEntity<ObjectNode> typeMismatch(TypeMismatchException e) {
        String name = e instanceof MethodArgumentTypeMismatchException argument ? argument.getName() : e.getPropertyName();
        String type = e.getRequiredType() == null ? "another type" : e.getRequiredType().getSimpleName();
        return respond(HttpStatus.BAD_REQUEST, "'" + ClientText.printable(String.valueOf(name), ClientText.NAME_MAX)
                + "' must be a " + type + ".", "invalid_request_error", null);
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ObjectNode> invalid(MethodArgumentNotValidException e) {
        var field = e.getBindingResult().getFieldError();
        if (field != null && EdgeText.class.getSimpleName().equals(field.getCode())) {
            return gateway(ClientText.refusal(field.getField(), field.getDefaultMessage()));
        }
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

    /** An upload over the transcription routes' limit, counted by the servlet container as it parsed the form. */
    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<ObjectNode> uploadTooLarge(MaxUploadSizeExceededException e) {
        if (e.getMaxUploadSize() > 0) {
            return gateway(BodyLimitFilter.tooLarge(e.getMaxUploadSize()).withHeader("Connection", "close"));
        }
        // The container does not always say its limit: tollgate.edge.max-upload-size (plus the form's fields).
        return gateway(new GatewayException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error",
                "request_too_large", "The upload is larger than the gateway takes on this route.")
                .withHeader("Connection", "close"));
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ObjectNode> unreadableForm(MultipartException e) {
        if (BodyTooLarge.in(e) instanceof BodyTooLarge tooLarge) {
            return gateway(BodyLimitFilter.tooLarge(tooLarge.limit()).withHeader("Connection", "close"));
        }
        return respond(HttpStatus.BAD_REQUEST, "We could not read the multipart/form-data body of your request.",
                "invalid_request_error", "invalid_multipart_form");
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ObjectNode> notFound(NoResourceFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "Unknown path: /" + e.getResourcePath(), "invalid_request_error",
                "unknown_url");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ObjectNode> unexpected(Exception e) {
        if (BodyTooLarge.in(e) instanceof BodyTooLarge tooLarge) {
            return gateway(BodyLimitFilter.tooLarge(tooLarge.limit()).withHeader("Connection", "close"));
        }
        // Spring's own refusals of a request (a missing parameter, one of the wrong type, an unacceptable Accept
        // header) carry their 4xx; they are the client's mistake, not the gateway's failure.
        if (e instanceof ErrorResponse refusal && refusal.getStatusCode().is4xxClientError()) {
            HttpStatus status = HttpStatus.valueOf(refusal.getStatusCode().value());
            String detail = refusal.getBody().getDetail();
            return respond(status, detail != null ? ClientText.printable(detail, ClientText.TEXT_MAX)
                    : status.getReasonPhrase(), "invalid_request_error", null);
        }
        GatewayException outage = Outages.answerFor(e);
        if (outage != null) {
            log.warn("answered {}, the ledger is unavailable: {}", outage.status().value(), e.toString());
            return gateway(outage);
        }
        log.error("unexpected failure", e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, "The gateway failed unexpectedly.",
                "server_error", null);
    }

    static ResponseEntity<ObjectNode> respond(HttpStatus status, String message, String type, String code) {
        return respond(status, message, type, code, null);
    }

    private static ResponseEntity<ObjectNode> respond(HttpStatus status, String message, String type, String code,
                                                      String paymentLink) {
        ApiShape shape = currentRequest().map(ApiShape::of).orElse(ApiShape.OPENAI);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(shape.errorBody(status.value(), type, code, message, paymentLink));
    }

    /** The Buy credits page, where purchases are configured; else null. */
    static String paymentLink(ObjectProvider<PaymentLink> payments) {
        return PaymentLink.of(payments);
    }

    private static Optional<HttpServletRequest> currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? Optional.of(attributes.getRequest())
                : Optional.empty();
    }
}
