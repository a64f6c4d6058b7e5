package io.tollgate.gateway.metering;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.ledger.api.Commands.ExpireGrants;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A grant that expires while a credit lease drawn on it is still open, end to end: the answered request
 * is charged in full when the lease settles, and the grant's expiry takes only what was left (I1: the
 * account never ends below zero, and the ledger's debit equals the requests' debits on the topic).
 */
class GrantExpiryUnderLeasesTest extends GatewayTestBase {
    private static final EventCodec CODEC = new EventCodec();
    private static final long GRANT_MICROS = 1_000_000;

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    CommandGateway commands;
    @Autowired
    CreditMeter meter;

    @Test
    void aLeaseOpenWhenItsGrantExpiresIsChargedInFullAndTheExpiryTakesOnlyTheRest() {
        GatewayHttp gateway = gateway();
        String provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmexpiry", "sk-expiry-test-0000");
        String account = "acct-expiry-" + UUID.randomUUID();
        Instant expiresAt = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.MILLIS);
        assertThat(gateway.post("/admin/accounts", ADMIN_KEY, Map.of("id", account, "displayName", "Expiring"))
                .status()).isEqualTo(201);
        assertThat(gateway.post("/admin/accounts/" + account + "/grants", ADMIN_KEY,
                Map.of("credits", "1", "expiresAt", expiresAt.toString())).status()).isEqualTo(201);
        String key = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "expiry", "accountId", account))
                .json().path("key").asText();

        var answer = gateway.post(CHAT_PATH, key, Map.of("model", provider + "/gpt-4o", "max_tokens", 50,
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        // The grant expires while the lease that paid for the answer is still open, and is swept.
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt));
        commands.sendAndWait(new ExpireGrants(account));
        meter.retireLeasesOf(account);

        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20)).until(() -> eventsOf(account),
                list -> list.stream().anyMatch(LeaseSettled.class::isInstance));
        long requestDebits = sum(events, CreditsDebited.class, e -> ((CreditsDebited) e).amountMicros());
        long leaseDebits = sum(events, LeaseSettled.class, e -> ((LeaseSettled) e).debitedMicros());
        assertThat(requestDebits).isEqualTo(148); // 19 × 2.5 + 10 × 10 micro-credits, rounded up
        assertThat(leaseDebits).as("the ledger charges what the requests on the lease were charged")
                .isEqualTo(requestDebits);
        long expired = await().atMost(Duration.ofSeconds(20)).until(
                () -> sum(eventsOf(account), CreditsExpired.class, e -> ((CreditsExpired) e).amountMicros()),
                micros -> micros == GRANT_MICROS - requestDebits);
        long granted = sum(events, CreditsGranted.class, e -> ((CreditsGranted) e).amountMicros());
        assertThat(granted - requestDebits - expired).as("balance").isZero();
    }

    private static List<TollgateEvent> eventsOf(String account) {
        return ledger().recordsOfAccount(account).stream().map(record -> CODEC.decode(record.value())).toList();
    }

    private static long sum(List<TollgateEvent> events, Class<?> type,
                            java.util.function.ToLongFunction<TollgateEvent> amount) {
        return events.stream().filter(type::isInstance).mapToLong(amount).sum();
    }
}
