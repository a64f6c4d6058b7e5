package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLogUnavailable;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tallies a lease from the account's partition of the ledger topic (from the grant time minus a margin to the end
 * offset at call time) and the spill table, each request counted once. A fresh consumer per call, assigned, in no
 * group: a tally is rare (a dead instance's lease, an audit) and must not disturb anyone's offsets.
 */
final class KafkaLeaseTally implements LeaseTally {
    private static final String DEBITED = EventType.CATALOGUE.stream()
            .filter(type -> type.recordClass() == CreditsDebited.class).findFirst().orElseThrow().name();
    private static final byte[] DEBITED_BYTES = DEBITED.getBytes(StandardCharsets.UTF_8);

    private final Map<String, Object> consumerConfig;
    private final String topic;
    private final SpillTable spill;
    private final Duration timeout;
    private final Duration margin;
    private final EventCodec codec = new EventCodec();

    /** @param clientConfig at least bootstrap.servers (security settings too, where the broker needs them) */
    public KafkaLeaseTally(Map<String, Object> clientConfig, String topic, SpillTable spill, Duration timeout,
                           Duration margin) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.consumerConfig = config;
        this.topic = topic;
        this.spill = spill;
        this.timeout = timeout;
        this.margin = margin;
    }

    @Override
    public Tally tally(String accountId, String leaseId, Instant grantedAt) {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(grantedAt, "grantedAt");
        long deadline = System.nanoTime() + timeout.toNanos();
        // Keeps the first debit seen of each request: the amounts of copies of one event are equal anyway.
        Map<String, Long> debits = new LinkedHashMap<>();
        try {
            readTopic(accountId, leaseId, grantedAt.minus(margin), deadline, debits);
            for (SpillTable.Row row : spill.ofLease(topic, leaseId, DEBITED)) {
                if (row.event().accountId().equals(accountId)) {
                    count(codec.decode(row.event().payload()), debits);
                }
            }
        } catch (RequestEventLogUnavailable e) {
            throw e;
        } catch (Exception e) {
            throw new RequestEventLogUnavailable("could not tally lease " + leaseId + " of account " + accountId, e);
        }
        long sum = 0;
        for (long amount : debits.values()) {
            sum = Math.addExact(sum, amount);
        }
        return new Tally(sum, debits.size());
    }

    private void readTopic(String accountId, String leaseId, Instant from, long deadline, Map<String, Long> debits) {
        byte[] lease = leaseId.getBytes(StandardCharsets.UTF_8);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(consumerConfig)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, remaining(deadline));
            if (partitions == null || partitions.isEmpty()) {
                throw new RequestEventLogUnavailable("topic " + topic + " has no partitions (does it exist?)");
            }
            // The producer's default partitioner for keyed records: murmur2 of the serialized key.
            byte[] key = accountId.getBytes(StandardCharsets.UTF_8);
            var partition = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions.size());
            consumer.assign(Set.of(partition));
            long end = consumer.endOffsets(Set.of(partition), remaining(deadline)).get(partition);
            OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(partition, Math.max(0, from.toEpochMilli())),
                    remaining(deadline)).get(partition);
            long position = start == null ? end : start.offset();
            consumer.seek(partition, position);
            while (position < end) {
                Duration left = remaining(deadline);
                if (left.isZero()) {
                    throw new RequestEventLogUnavailable("lease " + leaseId + ": read up to offset " + position
                            + " of " + end + " on " + partition + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(left).records(partition)) {
                    if (record.offset() >= end) {
                        break;
                    }
                    if (has(record, Topics.HEADER_LEASE_ID, lease) && has(record, Topics.HEADER_EVENT_TYPE, DEBITED_BYTES)
                            && Arrays.equals(record.key(), key)) {
                        count(codec.decode(record.value()), debits);
                    }
                }
                position = consumer.position(partition, remaining(deadline));
            }
        }
    }

    private static void count(TollgateEvent event, Map<String, Long> debits) {
        if (event instanceof CreditsDebited debit) {
            debits.putIfAbsent(debit.requestId(), debit.amountMicros());
        }
    }

    private static boolean has(ConsumerRecord<?, ?> record, String header, byte[] value) {
        Header last = record.headers().lastHeader(header);
        return last != null && Arrays.equals(last.value(), value);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
