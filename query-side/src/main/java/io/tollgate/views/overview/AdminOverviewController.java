package io.tollgate.views.overview;

import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import io.tollgate.views.usage.UsageMetrics;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Across all accounts; admins only (see ViewerScopeInterceptor). */
@RestController
@RequestMapping("/api/views/admin")
class AdminOverviewController {
    private final OverviewQueries queries;

    AdminOverviewController(OverviewQueries queries) {
        this.queries = queries;
    }

    /** All-time billing totals over every account. */
    record Totals(long accounts, long closedAccounts, BigDecimal granted, BigDecimal debited, BigDecimal refunded,
                  BigDecimal expired, BigDecimal adjusted, BigDecimal balance, BigDecimal reserved) {
    }

    record TopAccount(String accountId, String displayName, long requests, BigDecimal credits) {
    }

    record Revenue(String provider, String model, long requests, long succeeded, long inputTokens, long outputTokens,
                   BigDecimal credits, BigDecimal refunded) {
    }

    record Overview(Instant from, Instant to, Totals totals, UsageMetrics period, List<TopAccount> topAccounts,
                    List<Revenue> revenueByModel, List<Revenue> revenueByProvider) {
    }

    record AccountSummary(String accountId, String displayName, boolean closed, BigDecimal balance,
                          BigDecimal reserved, Instant lastEventAt) {
    }

    @GetMapping("/overview")
    Overview overview(@RequestParam(required = false) String from, @RequestParam(required = false) String to,
                      @RequestParam(required = false) String tz, @RequestParam(defaultValue = "10") int limit) {
        if (limit < 1 || limit > 500) {
            throw Period.badRequest("limit must be between 1 and 500");
        }
        Period period = Period.parse(from, to, tz, Duration.ofDays(30));
        return new Overview(period.from(), period.to(), queries.totals(), queries.usage(period),
                queries.topAccounts(period, limit), queries.revenue(OverviewQueries.BY_MODEL, period, limit),
                queries.revenue(OverviewQueries.BY_PROVIDER, period, limit));
    }

    /** Every account by id; the next page's cursor is in X-Next-Cursor. */
    @GetMapping("/accounts")
    ResponseEntity<List<AccountSummary>> accounts(@RequestParam(defaultValue = "100") int limit,
                                                  @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > 500) {
            throw Period.badRequest("limit must be between 1 and 500");
        }
        String after = cursor == null ? null : KeysetCursor.decode(cursor, 1)[0];
        List<AccountSummary> page = queries.accounts(after, limit + 1);
        HttpHeaders headers = new HttpHeaders();
        if (page.size() > limit) {
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(page.get(limit - 1).accountId()));
        }
        return ResponseEntity.ok().headers(headers).body(page.subList(0, Math.min(limit, page.size())));
    }
}
