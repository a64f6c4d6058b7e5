package io.tollgate.views.health;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Health component {@code kafka}, in the readiness group: the broker the views are projected from
 * describes its cluster within a short timeout. The answer is reused for a while, so probes are cheap.
 * (The gateway has the same check in io.tollgate.gateway.telemetry; the query side shares no module
 * with it but events.)
 */
@Configuration(proxyBeanMethods = false)
class KafkaHealthConfiguration {

    @Bean
    KafkaHealthIndicator kafkaHealthIndicator(KafkaProperties kafka) {
        return new KafkaHealthIndicator(kafka.buildAdminProperties(null), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    static final class KafkaHealthIndicator implements HealthIndicator, DisposableBean {
        private final Map<String, Object> adminConfig;
        private final Duration timeout;
        private final long ttlNanos;
        private Admin admin;
        private volatile Health cached;
        private volatile long cachedAt;

        KafkaHealthIndicator(Map<String, Object> adminConfig, Duration timeout, Duration ttl) {
            this.adminConfig = new HashMap<>(adminConfig);
            this.adminConfig.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "tollgate-views-health");
            this.adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            this.adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            this.timeout = timeout;
            this.ttlNanos = ttl.toNanos();
        }

        @Override
        public Health health() {
            Health health = cached;
            if (health == null || System.nanoTime() - cachedAt >= ttlNanos) {
                health = check();
            }
            return health;
        }

        private synchronized Health check() {
            if (cached != null && System.nanoTime() - cachedAt < ttlNanos) {
                return cached;
            }
            Health health;
            try {
                if (admin == null) {
                    admin = Admin.create(adminConfig);
                }
                DescribeClusterResult cluster = admin.describeCluster(
                        new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
                String clusterId = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                int brokers = cluster.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
                health = Health.up().withDetail("clusterId", clusterId == null ? "" : clusterId)
                        .withDetail("brokers", brokers).build();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                health = Health.down().withDetail("error", "interrupted").build();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                health = Health.down().withDetail("error", cause.getClass().getSimpleName()).build();
            }
            cached = health;
            cachedAt = System.nanoTime();
            return health;
        }

        @Override
        public synchronized void destroy() {
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
                admin = null;
            }
        }
    }
}
