package io.tollgate.ledger.api;

import io.tollgate.events.support.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param topic       the ledger topic (tests may use their own)
 * @param partitions  partitions when the topic is created; ordering holds per account in any case
 * @param replicas    replication factor when the topic is created
 * @param batchSize   events the publisher sends before it waits for the broker's acknowledgements
 * @param publisherName   the tracking processor's name, under which its position is stored (the host reads it to
 *                        measure the publication backlog)
 * @param publishFromStart whether a publisher with no stored position starts at the first event in the
 *                        store (production: nothing may be skipped) or at the newest (a test that only
 *                        cares about what it writes itself)
 */
@ConfigurationProperties("tollgate.ledger")
public record LedgerTopicProperties(@DefaultValue(Topics.LEDGER) String topic,
                                    @DefaultValue("6") int partitions,
                                    @DefaultValue("1") short replicas,
                                    @DefaultValue("200") int batchSize,
                                    @DefaultValue(LedgerTopicProperties.DEFAULT_PUBLISHER_NAME) String publisherName,
                                    @DefaultValue("true") boolean publishFromStart) {

    /** The publisher's processing group, and its processor's name unless configured otherwise. */
    public static final String DEFAULT_PUBLISHER_NAME = "kafka-publisher";
}
