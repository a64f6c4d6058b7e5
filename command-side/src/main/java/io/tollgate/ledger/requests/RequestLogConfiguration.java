package io.tollgate.ledger.requests;

import io.tollgate.ledger.publishing.LedgerTopicProperties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;

import javax.sql.DataSource;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The request-event log and the lease tally, on the ledger topic and the spill table in schema {@code ledger}.
 * Imported by {@link io.tollgate.ledger.LedgerConfiguration}. The log is a SmartLifecycle (phase
 * {@link SpillingRequestEventLog#PHASE}) and a MeterBinder (bound where Micrometer's auto-configuration runs).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({RequestLogProperties.class, LedgerTopicProperties.class})
public class RequestLogConfiguration {

    @Bean
    @DependsOn("ledgerFlyway")
    SpillTable requestEventSpillTable(DataSource dataSource, RequestLogProperties properties) {
        return new SpillTable(dataSource, properties.spillTimeout());
    }

    @Bean
    public SpillingRequestEventLog requestEventLog(KafkaProperties kafkaProperties, RequestLogProperties properties,
                                                   LedgerTopicProperties topic, SpillTable requestEventSpillTable) {
        Map<String, Object> base = kafkaProperties.buildProducerProperties(null);
        return new SpillingRequestEventLog(properties, topic.topic(), producerFactory(base, properties),
                requestEventSpillTable);
    }

    @Bean
    public KafkaLeaseTally leaseTally(KafkaProperties kafkaProperties, RequestLogProperties properties,
                                      LedgerTopicProperties topic, SpillTable requestEventSpillTable) {
        return new KafkaLeaseTally(kafkaProperties.buildConsumerProperties(null), topic.topic(), requestEventSpillTable,
                properties.tallyTimeout(), properties.tallyMargin());
    }

    /**
     * Producers for request events: idempotent, acks=all, at most 5 in flight (what keeps order across retries),
     * a short linger, and a bounded {@code send()}. Everything else (bootstrap, security, compression) from
     * {@code base}, i.e. {@code spring.kafka.*}.
     */
    public static Supplier<Producer<String, byte[]>> producerFactory(Map<String, Object> base,
                                                                     RequestLogProperties properties) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, (int) properties.linger().toMillis());
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, properties.batchBytes());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, properties.maxBlock().toMillis());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.remove(ProducerConfig.CLIENT_ID_CONFIG); // one id per producer, assigned by the client
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        Map<String, Object> frozen = Map.copyOf(config);
        return () -> new KafkaProducer<>(new HashMap<>(frozen));
    }
}
