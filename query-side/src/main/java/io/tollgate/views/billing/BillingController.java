package io.tollgate.views.billing;

import io.tollgate.events.support.Credits;
import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import io.tollgate.views.viewer.AccountNotFound;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Billing views of one account. Amounts are credits (exact decimals); negative ledger amounts take credit away. */
@RestController
@RequestMapping("/api/views/accounts/{accountId}")
class BillingController {
    private static final int MAX_PAGE = 500;
    /** The recent burn rate is measured over this window. */
    private static final Duration BURN_WINDOW = Duration.ofDays(7);

    private final BillingQueries queries;

    BillingController(BillingQueries queries) {
        this.queries = queries;
    }

    /**
     * @param balance                granted − debited + refunded − expired + adjusted
     * @param reserved               what is not available to new requests: open credit leases' amounts minus
     *                               what their requests were already debited (floor 0 per lease), plus holds of
     *                               single requests from before leases (old-shape CreditsReserved)
     * @param openReservations       open credit leases plus open old-shape request holds
     * @param available              balance − reserved
     * @param burnPerDay             net spend per day over the last 7 days
     * @param estimatedDaysRemaining available / burnPerDay; null without recent spend
     */
    record Balance(String accountId, String displayName, boolean closed, BigDecimal granted, BigDecimal debited,
                   BigDecimal refunded, BigDecimal expired, BigDecimal adjusted, BigDecimal balance,
                   BigDecimal reserved, int openReservations, BigDecimal available, BigDecimal burnPerDay,
                   BigDecimal estimatedDaysRemaining) {
    }

    /**
     * @param source    a grant's source: ADMIN, PURCHASE or PROMOTION
     * @param reference a purchase's payment reference (Stripe's payment intent)
     */
    record LedgerLine(long lineNo, Instant occurredAt, String kind, BigDecimal amount, BigDecimal balance,
                      String requestId, String grantId, String provider, String model, String note, String source,
                      String reference) {
    }

    /** @param purchased the part of granted that was bought (grants of source PURCHASE) */
    record StatementTotals(String month, BigDecimal opening, BigDecimal granted, BigDecimal debited,
                           BigDecimal refunded, BigDecimal expired, BigDecimal adjusted, BigDecimal closing,
                           BigDecimal purchased) {
    }

    /** A credit purchase of the month: when, how many credits, and the payment that paid for it. */
    record Purchase(Instant occurredAt, BigDecimal credits, String grantId, String reference) {
    }

    record ModelTotal(String provider, String model, long debits, BigDecimal credits) {
    }

    record Statement(String accountId, String timeZone, StatementTotals totals, List<ModelTotal> byModel,
                     List<Purchase> purchases) {
    }

    @GetMapping("/balance")
    Balance balance(@PathVariable String accountId) {
        return queries.balance(accountId, BURN_WINDOW).orElseThrow(() -> AccountNotFound.of(accountId));
    }

    /** Newest first; the next page's cursor is in X-Next-Cursor. */
    @GetMapping("/ledger")
    ResponseEntity<List<LedgerLine>> ledger(@PathVariable String accountId, @RequestParam(required = false) String kind,
                                            @RequestParam(required = false) String from,
                                            @RequestParam(required = false) String to,
                                            @RequestParam(required = false) String tz,
                                            @RequestParam(defaultValue = "100") int limit,
                                            @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Period.badRequest("limit must be between 1 and " + MAX_PAGE);
        }
        requireAccount(accountId);
        Period period = from == null && to == null ? null : Period.parse(from == null ? "1970-01-01T00:00:00Z" : from,
                to == null ? "9999-12-31T00:00:00Z" : to, tz, Duration.ZERO);
        Long beforeLine = null;
        if (cursor != null) {
            try {
                beforeLine = Long.parseLong(KeysetCursor.decode(cursor, 1)[0]);
            } catch (NumberFormatException e) {
                throw Period.badRequest("not a cursor of this list");
            }
        }
        List<LedgerLine> lines = queries.ledger(accountId, kind, period, beforeLine, limit + 1);
        HttpHeaders headers = new HttpHeaders();
        if (lines.size() > limit) {
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(Long.toString(lines.get(limit - 1).lineNo())));
        }
        return ResponseEntity.ok().headers(headers).body(lines.subList(0, Math.min(limit, lines.size())));
    }

    /** Every month with a credit movement, newest first, with opening and closing balance. */
    @GetMapping("/statements")
    List<StatementTotals> statements(@PathVariable String accountId, @RequestParam(required = false) String tz) {
        requireAccount(accountId);
        return monthTotals(accountId, Period.zone(tz), null);
    }

    /** @param month yyyy-MM in the viewer's time zone */
    @GetMapping("/statements/{month}")
    Statement statement(@PathVariable String accountId, @PathVariable String month,
                        @RequestParam(required = false) String tz) {
        requireAccount(accountId);
        ZoneId zone = Period.zone(tz);
        YearMonth yearMonth;
        try {
            yearMonth = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw Period.badRequest("month must be yyyy-MM");
        }
        List<StatementTotals> totals = monthTotals(accountId, zone, yearMonth);
        StatementTotals ofMonth = totals.isEmpty() ? emptyMonth(accountId, zone, yearMonth) : totals.getFirst();
        Instant start = yearMonth.atDay(1).atStartOfDay(zone).toInstant();
        Instant end = yearMonth.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
        List<ModelTotal> byModel = queries.debitsByModel(accountId, start, end);
        List<Purchase> purchases = queries.purchases(accountId, start, end);
        return new Statement(accountId, zone.getId(), ofMonth, byModel, purchases);
    }

    private List<StatementTotals> monthTotals(String accountId, ZoneId zone, YearMonth only) {
        return queries.monthTotals(accountId, zone, only);
    }

    /** A month without movements: opening = closing = the balance after the last earlier line. */
    private StatementTotals emptyMonth(String accountId, ZoneId zone, YearMonth month) {
        long balance = queries.balanceBefore(accountId, month.atDay(1).atStartOfDay(zone).toInstant());
        BigDecimal zero = Credits.toCredits(0);
        return new StatementTotals(month.toString(), Credits.toCredits(balance), zero, zero, zero, zero, zero,
                Credits.toCredits(balance), zero);
    }

    private void requireAccount(String accountId) {
        if (!queries.accountExists(accountId)) {
            throw AccountNotFound.of(accountId);
        }
    }
}
