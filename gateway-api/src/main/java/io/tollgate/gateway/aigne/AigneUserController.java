package io.tollgate.gateway.aigne;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.errors.PaymentLink;
import org.springframework.beans.factory.ObjectProvider;
import io.tollgate.gateway.viewsproxy.ViewsClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AIGNE Hub's user-facing routes that its clients call, where they map onto what Tollgate has: the caller's
 * credit balance, credit transactions, payment link, quota, and (admins) the platform's usage trends, in AIGNE
 * Hub's field names. Authenticated as {@code /api/v2} is (a Tollgate key or token); errors in AIGNE's shape.
 * The numbers come from the query side's views, read for the caller as {@code /api/views/**} would be.
 */
@RestController
class AigneUserController {
    private final ViewsClient views;
    private final ObjectProvider<PaymentLink> paymentLink;
    private final ObjectMapper json;

    AigneUserController(ViewsClient views, ObjectProvider<PaymentLink> paymentLink, ObjectMapper json) {
        this.views = views;
        this.paymentLink = paymentLink;
        this.json = json;
    }

    @GetMapping("/api/user/credit/balance")
    ResponseEntity<String> balance(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return ofAccount(caller, "/aigne/credit/balance", Map.of());
    }

    @GetMapping("/api/user/credit/transactions")
    ResponseEntity<String> transactions(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                                        @RequestParam(required = false) String page,
                                        @RequestParam(required = false) String pageSize,
                                        @RequestParam(required = false) String start,
                                        @RequestParam(required = false) String end) {
        return ofAccount(caller, "/aigne/credit/transactions",
                query("page", page, "pageSize", pageSize, "start", start, "end", end));
    }

    /**
     * The Buy credits page a 402 names, as a JSON string; null where purchases are not configured (AIGNE Hub with
     * payments off).
     */
    @GetMapping(path = "/api/user/credit/payment-link", produces = MediaType.APPLICATION_JSON_VALUE)
    String paymentLink(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        String link = PaymentLink.of(paymentLink);
        return link == null ? "null" : json.valueToTree(link).toString();
    }

    @GetMapping("/api/usage/quota")
    ResponseEntity<String> quota(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                                 @RequestParam(required = false) String startTime,
                                 @RequestParam(required = false) String endTime,
                                 @RequestParam(required = false) String timeRange) {
        return ofAccount(caller, "/aigne/usage/quota",
                query("startTime", startTime, "endTime", endTime, "timeRange", timeRange));
    }

    /** Platform-wide, as in AIGNE Hub: admins only. */
    @GetMapping("/api/usage/trends")
    ResponseEntity<String> trends(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                                  @RequestParam(required = false) String startTime,
                                  @RequestParam(required = false) String endTime,
                                  @RequestParam(required = false) String timeRange) {
        if (!caller.isAdmin()) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "forbidden",
                    "Insufficient permissions. Admin or owner role required.");
        }
        return answer(views.get("/api/views/admin/aigne/usage/trends",
                query("startTime", startTime, "endTime", endTime, "timeRange", timeRange), caller));
    }

    private ResponseEntity<String> ofAccount(Caller caller, String view, Map<String, String> query) {
        if (caller.accountId() == null) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "invalid_request_error", "no_account",
                    "This caller belongs to no account, so it has no credit or quota.");
        }
        String account = URLEncoder.encode(caller.accountId(), StandardCharsets.UTF_8).replace("+", "%20");
        return answer(views.get("/api/views/accounts/" + account + view, query, caller));
    }

    private static ResponseEntity<String> answer(ViewsClient.View view) {
        if (view.status() == 200) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(view.body());
        }
        if (view.status() == 404) {
            // The account has no movement in the views yet: it was just opened, or the views are catching up.
            throw GatewayException.notFound("account_not_found", "No credit or usage for this account yet.");
        }
        if (view.status() == 400) {
            throw GatewayException.badRequest(detail(view.body()));
        }
        throw new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "views_unavailable",
                "The usage and billing views answered " + view.status() + ".");
    }

    /** The problem detail's text, without parsing more than needed. */
    private static String detail(String problem) {
        int at = problem.indexOf("\"detail\":\"");
        if (at < 0) {
            return "Bad request.";
        }
        int end = problem.indexOf('"', at + 10);
        return end < 0 ? "Bad request." : problem.substring(at + 10, end);
    }

    private static Map<String, String> query(String... pairs) {
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                query.put(pairs[i], pairs[i + 1]);
            }
        }
        return query;
    }
}
