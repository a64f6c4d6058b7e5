package io.tollgate.gateway.errors;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

import java.io.IOException;

/** Writes an error in the caller's API shape from places the controller advice does not reach: filters. */
@Component
public class ErrorResponses {
    private final ObjectMapper json;
    private final ObjectProvider<PaymentLink> payments;

    public ErrorResponses(ObjectMapper json, ObjectProvider<PaymentLink> payments) {
        this.json = json;
        this.payments = payments;
    }

    public void write(HttpServletRequest request, HttpServletResponse response, GatewayException error)
            throws IOException {
        response.setStatus(error.status().value());
        error.headers().forEach(response::setHeader);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), ApiShape.of(request)
                .errorBody(error.status().value(), error.type(), error.code(), error.getMessage(),
                        error.forLackOfCredit() ? PaymentLink.of(payments) : null));
    }
}
