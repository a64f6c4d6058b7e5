package io.tollgate.views.projection;

import io.tollgate.events.support.EventIds;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewsHttp;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing poisons (I8, issue 13): a record PostgreSQL refuses (a NUL byte in a model name; a key over the
 * index row limit) or cannot be decoded at all goes to views.dead_letters with its reason, the records
 * around it in the same batch are projected, the dead-letter counter counts it, and the lag returns to 0.
 */
class PoisonRecordsTest extends QuerySideTestBase {
    @Autowired
    JdbcClient jdbc;

    @Test
    void aPoisonedRecordIsDeadLetteredAndTheRestOfItsBatchFlowsOn() {
        int partition = 0;
        var account = new AccountEvents(LedgerTopic.accountOnPartition(partition));
        String lease = "lease-" + java.util.UUID.randomUUID();
        String before = AccountEvents.newRequestId(), poisoned = AccountEvents.newRequestId();
        String oversized = AccountEvents.newRequestId(), after = AccountEvents.newRequestId();
        double deadBefore = deadLetterCount();

        List<TollgateEvent> batch = new ArrayList<>(List.of(account.opened("Poison Ltd"), account.granted(5_000_000)));
        batch.addAll(account.succeededOnLease(lease, before, 90_000, 10_000));
        RequestAccepted nul = new RequestAccepted(EventIds.next(), account.lastOccurredAt().plusMillis(1),
                account.accountId(), poisoned, "key-1", "mock", "gpt\u0000evil", "openai.chat", false, 40, 100,
                90_000, lease);
        batch.add(nul);
        // An API key id far over what a btree index row may hold (about 2.7 kB), in usage_hourly's key.
        RequestAccepted huge = new RequestAccepted(EventIds.next(), account.lastOccurredAt().plusMillis(2),
                account.accountId(), oversized, "k" + new java.util.Random(7).ints(9_000, 'a', 'z' + 1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append), "mock", "m",
                "openai.chat", false, 40, 100, 90_000, lease);
        batch.add(huge);
        // Caught by PostgreSQL itself: a NUL in the error class of a provider call (request history's text).
        var nulError = new io.tollgate.events.ProviderCalled(EventIds.next(), account.lastOccurredAt().plusMillis(3),
                account.accountId(), before, "mock", "m", "cred-1", 2, 500, 10, null, "upstream\u0000_5xx");
        batch.add(nulError);
        account.at(account.lastOccurredAt().plusMillis(10));
        batch.addAll(account.succeededOnLease(lease, after, 90_000, 20_000));
        // One transaction for all of it: the whole list goes out before the consumer polls (same partition).
        List<RecordMetadata> sent = ledger().publish(batch);
        RecordMetadata garbage = ledger().sendRaw(account.accountId(), "{not json".getBytes(StandardCharsets.UTF_8));
        var last = account.opened("Poison Ltd, after");
        sent = new ArrayList<>(sent);
        sent.add(garbage);
        sent.addAll(ledger().publish(last));
        assertThat(sent).extracting(RecordMetadata::partition).containsOnly(partition);

        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.balance(account.accountId()).displayName()).isEqualTo("Poison Ltd, after"));
        assertThat(views.requests(account.accountId())).extracting(ViewsHttp.RequestRow::requestId)
                .containsExactlyInAnyOrder(before, after);
        assertThat(views.balance(account.accountId()).debited()).isEqualByComparingTo("0.03");

        List<Map<String, Object>> dead = jdbc.sql("""
                        select "offset", event_id::text as event_id, event_type, reason, payload from views.dead_letters
                        where topic = ? and record_key = ? order by "offset\"""")
                .params(TOPIC, account.accountId()).query().listOfRows();
        assertThat(dead).hasSize(4);
        assertThat(dead.get(0)).containsEntry("event_id", nul.eventId().toString()).containsEntry("event_type", "RequestAccepted");
        assertThat((String) dead.get(0).get("reason")).contains("model contains a NUL character");
        assertThat(new String((byte[]) dead.get(0).get("payload"), StandardCharsets.UTF_8)).contains("gpt\\u0000evil");
        assertThat(dead.get(1)).containsEntry("event_id", huge.eventId().toString());
        assertThat((String) dead.get(1).get("reason")).contains("apiKeyId is 9001 characters long");
        assertThat(dead.get(2)).containsEntry("event_id", nulError.eventId().toString()).containsEntry("event_type", "ProviderCalled");
        assertThat((String) dead.get(2).get("reason")).contains("refused by the database: 22021");
        assertThat(dead.get(3)).containsEntry("offset", garbage.offset());
        assertThat((String) dead.get(3).get("reason")).startsWith("unreadable");
        assertThat(deadLetterCount()).isEqualTo(deadBefore + 4);
        eventually().untilAsserted(() -> assertThat(lag()).isZero());
    }

    private double deadLetterCount() {
        return scrape("tollgate_views_dead_letters_total");
    }

    private double lag() {
        return scrape("tollgate_views_consumer_lag");
    }

    private double scrape(String metric) {
        String body = ViewsHttp.withHeaders(managementPort(), Map.of()).get("/actuator/prometheus", "text/plain").body();
        Matcher m = Pattern.compile("(?m)^" + metric + "(\\{[^}]*\\})? (\\S+)$").matcher(body);
        assertThat(m.find()).as(metric + " in\n" + body).isTrue();
        double value = Double.parseDouble(m.group(2));
        assertThat(value).as(metric).isGreaterThanOrEqualTo(0);
        return value;
    }
}
