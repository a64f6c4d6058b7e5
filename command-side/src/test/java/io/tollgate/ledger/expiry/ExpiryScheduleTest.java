package io.tollgate.ledger.expiry;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Due times as the table keeps them: microseconds, and never before the expiry. */
class ExpiryScheduleTest {

    @Test
    void anExpiryWithNanosecondsFallsDueAtTheNextMicrosecond() {
        Instant expiresAt = Instant.parse("2026-11-23T08:39:12.675707212Z");

        assertThat(ExpirySchedule.dueAt(expiresAt)).isEqualTo(Instant.parse("2026-11-23T08:39:12.675708Z"));
    }

    @Test
    void anExpiryOnAMicrosecondFallsDueThen() {
        Instant expiresAt = Instant.parse("2026-11-23T08:39:12.675707Z");

        assertThat(ExpirySchedule.dueAt(expiresAt)).isEqualTo(expiresAt);
    }
}
