package io.tollgate.gateway.upstream;

import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.metering.CreditMeter;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.util.function.Supplier;

/**
 * Requests refused before the ledger saw them (bad input, an unknown model) become RequestRejected events
 * too, so that every refusal is in the log. The client is answered without waiting for the ledger.
 */
@Component
public class Rejections {
    private final CreditMeter meter;

    Rejections(CreditMeter meter) {
        this.meter = meter;
    }

    /** Runs the step; a 4xx it throws is recorded against the caller's account and thrown on. */
    public <T> T recorded(Caller caller, String model, HttpServletResponse response, Supplier<T> step) {
        try {
            return step.get();
        } catch (GatewayException refusal) {
            record(caller, model, refusal.code() != null ? refusal.code() : refusal.type(), refusal, response);
            throw refusal;
        }
    }

    /**
     * Names a 4xx refusal in the response's request id header and records it against the caller's account
     * (callers without an account have no ledger). The client need not wait for the ledger to hear of it.
     *
     * @param reason the RequestRejected reason, a stable code
     */
    public void record(Caller caller, String model, String reason, GatewayException refusal,
                       HttpServletResponse response) {
        int status = refusal.status().value();
        if (status < 400 || status > 499) {
            return;
        }
        String requestId = "req_" + EventIds.next();
        response.setHeader(ReservedCall.HEADER_REQUEST_ID, requestId);
        if (caller.accountId() == null) {
            return;
        }
        // The refusal is recorded whatever the client sent; a model name that could poison the log is not, and a
        // message that quotes the client is made printable.
        String recordedModel = ClientText.acceptable(model, ClientText.NAME_MAX) ? model : null;
        meter.recordRejection(caller.accountId(), requestId, recordedModel, reason, status,
                ClientText.printable(refusal.getMessage(), ClientText.TEXT_MAX), caller.appId());
    }
}
