package io.tollgate.ledger.audit;

import io.tollgate.ledger.api.RecordAdminEvent;
import io.tollgate.events.support.AdminTrail;
import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.ProviderConfigured;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminAuditTrailTest {
    private AggregateTestFixture<AdminAuditTrail> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(AdminAuditTrail.class);
    }

    private static ApiKeyIssued issued(String keyId) {
        return new ApiKeyIssued(EventIds.next(), Instant.now(), "acct-1", keyId, "ci", "tg-abcd", "user",
                List.of("chat"), null, null, "key_admin");
    }

    @Test
    void theFirstEventOpensTheTrail() {
        var event = issued("key_1");
        fixture.givenNoPriorActivity()
                .when(new RecordAdminEvent("audit:key:key_1", event))
                .expectEvents(event);
    }

    @Test
    void laterEventsAppendToTheSameTrail() {
        var revoked = new ApiKeyRevoked(EventIds.next(), Instant.now(), "acct-1", "key_1", "revoked", Instant.now(),
                "jwt:alice");
        fixture.given(issued("key_1"))
                .when(new RecordAdminEvent("audit:key:key_1", revoked))
                .expectEvents(revoked);
    }

    @Test
    void anEventIsRefusedOnAnotherThingsTrail() {
        fixture.givenNoPriorActivity()
                .when(new RecordAdminEvent("audit:key:key_2", issued("key_1")))
                .expectException(IllegalArgumentException.class)
                .expectNoEvents();
    }

    @Test
    void trailIdsNeverLookLikeAccountsOrRateCards() {
        assertThat(RecordAdminEvent.trailIdOf(new ProviderConfigured(EventIds.next(), Instant.now(),
                AdminTrail.SYSTEM_ACCOUNT, "openai", "openai", "https://x", "registered", "key_1")))
                .isEqualTo("audit:provider:openai").contains(":").doesNotContain("/");
        assertThatThrownBy(() -> RecordAdminEvent.trailIdOf(new CreditsAdjusted(EventIds.next(), Instant.now(), "a", 1,
                "r", "x"))).isInstanceOf(IllegalArgumentException.class);
    }
}
