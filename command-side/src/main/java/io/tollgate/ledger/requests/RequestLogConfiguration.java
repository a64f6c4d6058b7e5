package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.LedgerTopicProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The request-event log and the lease tally, on the ledger topic and the spill table in schema {@code ledger}.
 * Imported by {@link io.tollgate.ledger.LedgerConfiguration}. The log is a SmartLifecycle (phase
 * {@link SpillingRequestEventLog#PHASE}) and a MeterBinder (bound where Micrometer's auto-configuration runs).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({RequestLogProperties.class, LedgerTopicProperties.class})
public class RequestLogConfiguration {
    private static final Logger log = LoggerFactory.getLogger(RequestLogConfiguration.class);

    @Bean
    @DependsOn("ledgerFlyway")
    SpillTable requestEventSpillTable(DataSource dataSource, RequestLogProperties properties) {
        return new SpillTable(dataSource, properties.spillTimeout());
    }

    @Bean
    SpillingRequestEventLog requestEventLog(KafkaProperties kafkaProperties, RequestLogProperties properties,
                                                   LedgerTopicProperties topic, SpillTable requestEventSpillTable) {
        Map<String, Object> base = kafkaProperties.buildProducerProperties(null);
        RequestLogProperties fitted = fitToTopic(properties, base, topic.topic());
        return new SpillingRequestEventLog(fitted, topic.topic(), producerFactory(base, fitted), requestEventSpillTable);
    }

    @Bean
    KafkaLeaseTally leaseTally(KafkaProperties kafkaProperties, RequestLogProperties properties,
                                      LedgerTopicProperties topic, SpillTable requestEventSpillTable) {
        return new KafkaLeaseTally(kafkaProperties.buildConsumerProperties(null), topic.topic(), requestEventSpillTable,
                properties.tallyTimeout(), properties.tallyMargin());
    }

    /**
     * The event and batch sizes lowered to what the topic takes. An event over the topic's {@code max.message.bytes}
     * would be refused by the broker; a batch over it is split by the producer only down to {@code batch.size}, so a
     * larger batch size would have the producer split and resend it for ever. Unknown (no broker, no topic yet): the
     * configured sizes stand.
     */
    static RequestLogProperties fitToTopic(RequestLogProperties properties, Map<String, Object> kafka,
                                                  String topic) {
        Map<String, Object> admin = new HashMap<>();
        kafka.forEach((name, value) -> {
            if (AdminClientConfig.configNames().contains(name) && !name.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                admin.put(name, value);
            }
        });
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin client = Admin.create(admin)) {
            ConfigEntry entry = client.describeConfigs(List.of(resource)).all().get(3, TimeUnit.SECONDS)
                    .get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            int limit = Integer.parseInt(entry.value());
            int maxEvent = Math.min(properties.maxEventBytes(), Math.max(1, limit - 1024));
            int batch = Math.min(properties.batchBytes(), limit);
            if (maxEvent != properties.maxEventBytes() || batch != properties.batchBytes()) {
                log.info("topic {} takes messages of up to {} bytes: request events up to {} bytes, batches up to {}",
                        topic, limit, maxEvent, batch);
            }
            return properties.withSizes(batch, maxEvent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return properties;
        } catch (Exception e) {
            log.warn("could not read max.message.bytes of topic {}; request events up to {} bytes: {}", topic,
                    properties.maxEventBytes(), e.toString());
            return properties;
        }
    }

    /**
     * Producers for request events: idempotent, acks=all, at most 5 in flight (what keeps order across retries),
     * a short linger, and a bounded {@code send()}. Everything else (bootstrap, security, compression) from
     * {@code base}, i.e. {@code spring.kafka.*}.
     */
    static Supplier<Producer<String, byte[]>> producerFactory(Map<String, Object> base,
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
        // Pushing client metrics to the broker (KIP-714) is on by default; its check ran on every turn of the sender
        // thread (JFR) while no broker of ours asks for them. spring.kafka.producer.properties can turn it back on.
        config.putIfAbsent(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, false);
        Map<String, Object> frozen = Map.copyOf(config);
        return () -> new KafkaProducer<>(new HashMap<>(frozen));
    }
}
