package io.tollgate.views.history;

import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.EventIds;
import io.tollgate.views.history.RequestHistoryProjection.RequestPatch;
import io.tollgate.views.history.RequestHistoryProjection.Result;
import io.tollgate.views.testing.AccountEvents;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * Call history as a fold, without a broker or a database: given a batch's events, the patch of each request's
 * row (live) or its whole new row (a rebuild). How a patch merges into a stored row is the upsert's, held by
 * the broker-backed RequestLifecycleViewTest, CallHistoryTest and FailedAndRejectedRequestsTest.
 */
class RequestHistoryProjectionTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final AccountEvents acme = new AccountEvents("acct-acme").at(T0);

    private static Result fold(RequestHistoryProjection projection, List<TollgateEvent> events) {
        projection.begin();
        events.forEach(projection::apply);
        return projection.fold();
    }

    private static RequestPatch only(Result result) {
        assertThat(result.inserts()).isEmpty();
        assertThat(result.merges()).hasSize(1);
        return result.merges().getFirst();
    }

    @Test
    void anAnsweredRequestIsOnePatchWithEverythingItsEventsSay() {
        List<TollgateEvent> events = acme.succeededRequest("req-1", 500_000, 800, 40, 10, 120_000);
        RequestPatch row = only(fold(RequestHistoryProjection.live(), events));

        assertThat(row.requestId()).isEqualTo("req-1");
        assertThat(row.accountId()).isEqualTo("acct-acme");
        assertThat(row.status()).isEqualTo("succeeded");
        assertThat(row.apiKeyId()).isEqualTo("key-1");
        assertThat(row.provider()).isEqualTo(AccountEvents.PROVIDER);
        assertThat(row.model()).isEqualTo(AccountEvents.MODEL);
        assertThat(row.apiFormat()).isEqualTo("openai.chat");
        assertThat(row.stream()).isFalse();
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.httpStatus()).isEqualTo(200);
        assertThat(row.error()).isNull();
        assertThat(row.duration()).isEqualTo(800);
        assertThat(row.ttfb()).isEqualTo(200);
        assertThat(row.inputTokens()).isEqualTo(40);
        assertThat(row.outputTokens()).isEqualTo(10);
        assertThat(row.cachedTokens()).isZero();
        assertThat(row.estimated()).isFalse();
        assertThat(row.reserved()).isEqualTo(500_000);
        assertThat(row.cost()).isEqualTo(120_000);
        assertThat(row.refunded()).isNull();
        assertThat(row.acceptedAt()).isEqualTo(events.getFirst().occurredAt());
        assertThat(row.finishedAt()).isEqualTo(events.get(4).occurredAt());
    }

    @Test
    void aProviderFailureOrAnExpiredReservationFailsTheRequestWithNothingChargedAndASettledReleaseDecidesNothing() {
        List<TollgateEvent> events = new ArrayList<>(acme.failedRequest("req-failed", 300_000));
        events.add(acme.accepted("req-expired", true));
        events.add(acme.released("req-expired", 300_000, ReleaseReason.EXPIRED));
        events.add(acme.accepted("req-open", false));
        events.add(acme.released("req-open", 300_000, ReleaseReason.SETTLED));

        Result result = fold(RequestHistoryProjection.live(), events);

        assertThat(result.merges()).extracting(RequestPatch::requestId, RequestPatch::status, RequestPatch::cost,
                        RequestPatch::httpStatus, RequestPatch::error, RequestPatch::attempts)
                .containsExactly(
                        tuple("req-failed", "failed", 0L, 503, "upstream_5xx", 1),
                        tuple("req-expired", "failed", 0L, null, null, 0),
                        tuple("req-open", null, null, null, null, 0));
        assertThat(result.merges().getFirst().finishedAt()).isEqualTo(events.get(3).occurredAt());
        assertThat(result.merges().get(2).finishedAt()).isNull();
    }

    @Test
    void aRefusalIsRejectedWithItsStatusReasonModelAndAppAndWasNeverAccepted() {
        RequestPatch row = only(fold(RequestHistoryProjection.live(),
                List.of(acme.rejectedForApp("app-7", "req-1", "insufficient_credit"))));

        assertThat(row.status()).isEqualTo("rejected");
        assertThat(row.httpStatus()).isEqualTo(402);
        assertThat(row.error()).isEqualTo("insufficient_credit");
        assertThat(row.model()).isEqualTo(AccountEvents.MODEL);
        assertThat(row.appId()).isEqualTo("app-7");
        assertThat(row.apiKeyId()).isNull();
        assertThat(row.acceptedAt()).isEqualTo(row.finishedAt());
    }

    @Test
    void retriesAddUpAttemptsAndDurationsAndTheLastCallSaysHowItEnded() {
        List<TollgateEvent> events = List.of(acme.accepted("req-1", true),
                acme.providerCalled("req-1", 1, 503, 300, null, "upstream_5xx"),
                acme.providerCalled("req-1", 2, 200, 900, 150L, null),
                acme.tokens("req-1", 10, 5), acme.debited("req-1", 7_000));

        RequestPatch row = only(fold(RequestHistoryProjection.live(), events));

        assertThat(row.attempts()).isEqualTo(2);
        assertThat(row.duration()).isEqualTo(1_200);
        assertThat(row.ttfb()).isEqualTo(150);
        assertThat(row.httpStatus()).isEqualTo(200);
        assertThat(row.error()).isNull();
        assertThat(row.stream()).isTrue();
    }

    @Test
    void aRequestDrawnOnALeaseForAnAppTakesItsHoldLeaseAndAppFromItsAcceptance() {
        RequestPatch row = only(fold(RequestHistoryProjection.live(),
                acme.succeededForApp("app-1", "lease-1", "req-1", 40, 10, 120, 30_000)));

        assertThat(row.reserved()).isEqualTo(60_000);
        assertThat(row.leaseId()).isEqualTo("lease-1");
        assertThat(row.appId()).isEqualTo("app-1");
        assertThat(row.status()).isEqualTo("succeeded");
    }

    @Test
    void aLaterBatchPatchesOnlyWhatItKnowsStartingFromItsFirstEventsTime() {
        List<TollgateEvent> events = List.of(acme.refunded("req-1", 10_000), acme.refunded("req-1", 5_000),
                new ProviderCalled(EventIds.next(), T0.plusSeconds(5), "acct-acme", "req-1", "mock", "mock-small",
                        "cred-1", 3, 429, 50, null, "rate_limited"));

        RequestPatch row = only(fold(RequestHistoryProjection.live(), events));

        assertThat(row.refunded()).isEqualTo(15_000);
        assertThat(row.status()).isNull();
        assertThat(row.apiKeyId()).isNull();
        assertThat(row.cost()).isNull();
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.error()).isEqualTo("rate_limited");
        assertThat(row.acceptedAt()).isEqualTo(events.getFirst().occurredAt());
    }

    @Test
    void aRebuildInsertsRequestsWhoseFirstEventIsInTheBatchAsWholeRowsAndMergesTheRest() {
        List<TollgateEvent> events = new ArrayList<>();
        events.add(acme.accepted("req-open", false));
        events.addAll(acme.succeededRequest("req-done", 500_000, 800, 40, 10, 120_000));
        events.add(acme.rejected("req-refused", "insufficient_credit"));
        events.add(acme.refunded("req-earlier", 1_000));

        RequestHistoryProjection rebuild = RequestHistoryProjection.bulk();
        Result result = fold(rebuild, events);

        assertThat(result.inserts()).extracting(RequestPatch::requestId, RequestPatch::status)
                .containsExactly(tuple("req-open", "accepted"), tuple("req-done", "succeeded"),
                        tuple("req-refused", "rejected"));
        assertThat(result.merges()).extracting(RequestPatch::requestId, RequestPatch::status, RequestPatch::refunded)
                .containsExactly(tuple("req-earlier", null, 1_000L));

        // The next batch starts afresh (a rolled back batch is folded again from its events).
        assertThat(fold(rebuild, List.of(acme.refunded("req-done", 2_000))).merges())
                .extracting(RequestPatch::requestId, RequestPatch::refunded)
                .containsExactly(tuple("req-done", 2_000L));
    }

    @Test
    void eventsOfNoRequestLeaveNothingToWrite() {
        RequestHistoryProjection projection = RequestHistoryProjection.live();
        projection.begin();
        List.of(acme.opened("Acme"), acme.granted(1_000), acme.leaseGranted("lease-1", 5))
                .forEach(projection::apply);
        assertThat(projection.hasWork()).isFalse();
    }
}
