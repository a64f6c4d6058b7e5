package io.tollgate.views;

import io.tollgate.events.support.EventIds;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewsHttp;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record the query side cannot read is skipped: the events behind it on the same partition still
 * reach the views, and the skipped record changes nothing.
 */
class UnreadableRecordsTest extends QuerySideTestBase {

    @Test
    void unreadableRecordsDoNotBlockTheEventsBehindThemOnTheirPartition() {
        int partition = 1;
        var account = new AccountEvents(LedgerTopic.accountOnPartition(partition));
        var neighbour = new AccountEvents(LedgerTopic.accountOnPartition(partition));
        ledger().publish(account.opened("Garbage In Ltd"), account.granted(1_000_000));

        List<RecordMetadata> garbage = new ArrayList<>();
        garbage.add(ledger().sendRaw(account.accountId(), "this is not JSON {".getBytes(StandardCharsets.UTF_8)));
        garbage.add(ledger().sendRaw(account.accountId(), new byte[]{(byte) 0xC3, 0x28, 0x00, (byte) 0xFF}));
        garbage.add(ledger().sendRaw(account.accountId(), new byte[0]));
        garbage.add(ledger().sendRaw(account.accountId(), null));
        garbage.add(ledger().sendRaw(account.accountId(), "[1, 2, 3]".getBytes(StandardCharsets.UTF_8)));
        garbage.add(ledger().sendRaw(account.accountId(), """
                {"type":"CreditsTeleported","schemaVersion":1,"accountId":"%s","amountMicros":7000000}"""
                .formatted(account.accountId()).getBytes(StandardCharsets.UTF_8)));
        garbage.add(ledger().sendRaw(account.accountId(), """
                {"type":"CreditsGranted","schemaVersion":1,"eventId":"not-a-uuid","occurredAt":"2025-01-01T00:00:00Z",
                 "accountId":"%s","grantId":"g","amountMicros":7000000,"source":"ADMIN"}"""
                .formatted(account.accountId()).getBytes(StandardCharsets.UTF_8)));
        assertThat(garbage).extracting(RecordMetadata::partition).containsOnly(partition);

        var after = account.granted(2_000_000);
        List<RecordMetadata> behind = ledger().publish(after, neighbour.opened("Next Door"), neighbour.granted(3_000_000));
        assertThat(behind).extracting(RecordMetadata::partition).containsOnly(partition);

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(account.accountId()).granted()).isEqualByComparingTo("3");
            assertThat(views.balance(neighbour.accountId()).granted()).isEqualByComparingTo("3");
        });
        assertThat(views.balance(account.accountId()).displayName()).isEqualTo("Garbage In Ltd");
        assertThat(views.usage(account.accountId()).requests()).isZero();
    }

    @Test
    void eventsMissingTheirEnvelopeAreSkippedRatherThanRetriedForever() {
        int partition = 0;
        var account = new AccountEvents(LedgerTopic.accountOnPartition(partition));
        var neighbour = new AccountEvents(LedgerTopic.accountOnPartition(partition));
        ledger().publish(account.opened("Half Written Ltd"), account.granted(1_000_000));

        // JSON the codec can map onto a record, but without the id, time or account every event carries:
        // applying it fails in the database, and a failing batch is retried without end.
        List<RecordMetadata> incomplete = new ArrayList<>();
        incomplete.add(ledger().sendRaw(account.accountId(), """
                {"type":"CreditsGranted","schemaVersion":1,"occurredAt":"2025-01-01T00:00:00Z",
                 "accountId":"%s","grantId":"g","amountMicros":7000000,"source":"ADMIN"}"""
                .formatted(account.accountId()).getBytes(StandardCharsets.UTF_8)));
        incomplete.add(ledger().sendRaw(account.accountId(), """
                {"type":"CreditsGranted","schemaVersion":1,"eventId":"%s",
                 "accountId":"%s","grantId":"g","amountMicros":7000000,"source":"ADMIN"}"""
                .formatted(EventIds.next(), account.accountId()).getBytes(StandardCharsets.UTF_8)));
        incomplete.add(ledger().sendRaw(account.accountId(), """
                {"type":"CreditsGranted","schemaVersion":1,"eventId":"%s","occurredAt":"2025-01-01T00:00:00Z",
                 "grantId":"g","amountMicros":7000000,"source":"ADMIN"}"""
                .formatted(EventIds.next()).getBytes(StandardCharsets.UTF_8)));
        incomplete.add(ledger().sendRaw(account.accountId(), """
                {"type":"RequestAccepted","schemaVersion":1,"eventId":"%s","occurredAt":"2025-01-01T00:00:00Z",
                 "accountId":"%s","provider":"mock","model":"m","stream":false}"""
                .formatted(EventIds.next(), account.accountId()).getBytes(StandardCharsets.UTF_8)));
        assertThat(incomplete).extracting(RecordMetadata::partition).containsOnly(partition);

        List<RecordMetadata> behind = ledger().publish(account.granted(2_000_000), neighbour.opened("Next Door"));
        assertThat(behind).extracting(RecordMetadata::partition).containsOnly(partition);

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(account.accountId()).granted()).isEqualByComparingTo("3");
            assertThat(views.balance(neighbour.accountId()).displayName()).isEqualTo("Next Door");
        });
        assertThat(views.usage(account.accountId()).requests()).isZero();
        assertThat(views.requests(account.accountId())).isEmpty();
    }
}
