package io.tollgate.ledger.publishing;

import io.tollgate.ledger.api.LedgerTopicProperties;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.ledger.processing.BoundedRetryTrackingProcessor;
import io.tollgate.ledger.processing.DeadLetteringErrorHandler;
import io.tollgate.ledger.processing.LedgerDeadLetters;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.messaging.StreamableMessageSource;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

import java.util.Map;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LedgerTopicProperties.class)
public class PublishingConfiguration {

    @Bean
    NewTopic ledgerTopic(LedgerTopicProperties properties) {
        // The topic is the query side's replay source: it keeps everything.
        return TopicBuilder.name(properties.topic())
                .partitions(properties.partitions())
                .replicas(properties.replicas())
                .config(TopicConfig.RETENTION_MS_CONFIG, "-1")
                .config(TopicConfig.RETENTION_BYTES_CONFIG, "-1")
                .build();
    }

    @Bean(destroyMethod = "close")
    Producer<String, byte[]> ledgerProducer(KafkaProperties kafkaProperties) {
        Map<String, Object> config = kafkaProperties.buildProducerProperties(null);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(config);
    }

    @Bean
    KafkaEventPublisher kafkaEventPublisher(Producer<String, byte[]> ledgerProducer,
                                                   LedgerTopicProperties properties, LedgerDeadLetters deadLetters) {
        return new KafkaEventPublisher(ledgerProducer, new EventCodec(), properties.topic(), deadLetters,
                properties.publisherName());
    }

    /**
     * One thread, one segment: the store's global order is the topic's order, per account and overall. A failure
     * retries the batch (waits bounded, see {@link BoundedRetryTrackingProcessor}); an event that cannot be read
     * becomes a dead letter.
     */
    @Bean
    ConfigurerModule kafkaPublisherProcessor(LedgerTopicProperties properties, LedgerDeadLetters deadLetters,
                                                    @Qualifier("eventSerializer") Serializer eventSerializer) {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerEventProcessor(properties.publisherName(), BoundedRetryTrackingProcessor.onEventStore(
                        TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andBatchSize(properties.batchSize())
                                .andInitialTrackingToken(properties.publishFromStart()
                                        ? StreamableMessageSource::createTailToken
                                        : StreamableMessageSource::createHeadToken)))
                .assignProcessingGroup(KafkaEventPublisher.PROCESSING_GROUP, properties.publisherName())
                .registerListenerInvocationErrorHandler(KafkaEventPublisher.PROCESSING_GROUP,
                        axon -> new DeadLetteringErrorHandler(properties.publisherName(), deadLetters, eventSerializer)));
    }
}
