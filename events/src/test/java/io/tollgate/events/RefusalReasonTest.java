package io.tollgate.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RefusalReasonTest {

    /** The codes are in every RequestRejected already on the topic and in clients' error handling: they never change. */
    @Test
    void eachReasonKeepsItsRecordedCodeAndStatus() {
        Map<String, Integer> statusByCode = Arrays.stream(RefusalReason.values())
                .collect(Collectors.toMap(RefusalReason::code, RefusalReason::httpStatus));

        assertThat(statusByCode).containsExactlyInAnyOrderEntriesOf(Map.of(
                "insufficient_credit", 402,
                "account_closed", 403,
                "budget_exhausted", 402,
                "rate_limit_tokens", 429,
                "rate_limit_requests", 429,
                "concurrency_limit", 429));
    }
}
