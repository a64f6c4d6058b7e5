package io.tollgate.gateway.telemetry;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * OUT_OF_SERVICE while more events wait for the Kafka publisher than the threshold allows: the query
 * side's views are then falling behind what is billed, and a load balancer should prefer instances
 * (or a moment) where they are not.
 */
class PublicationBacklogHealthIndicator extends AbstractHealthIndicator {
    private final PublicationBacklog backlog;
    private final long threshold;

    public PublicationBacklogHealthIndicator(PublicationBacklog backlog, long threshold) {
        super("the ledger's publication backlog could not be measured");
        this.backlog = backlog;
        this.threshold = threshold;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        long events = backlog.events();
        builder.status(events > threshold ? Status.OUT_OF_SERVICE : Status.UP)
                .withDetail("unpublishedEvents", events)
                .withDetail("threshold", threshold)
                .withDetail("publisher", backlog.processorName());
    }
}
