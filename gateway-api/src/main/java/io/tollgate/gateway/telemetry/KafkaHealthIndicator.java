package io.tollgate.gateway.telemetry;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the broker to describe its cluster, with a short timeout, and reuses the answer for a while so
 * that frequent probes cost nothing. One admin client for the life of the application.
 */
public class KafkaHealthIndicator implements HealthIndicator, DisposableBean {
    private final Map<String, Object> adminConfig;
    private final Duration timeout;
    private final long ttlNanos;
    private Admin admin;
    private volatile Cached cached;

    public KafkaHealthIndicator(Map<String, Object> adminConfig, Duration timeout, Duration ttl) {
        this.adminConfig = new HashMap<>(adminConfig);
        int millis = (int) Math.max(1, timeout.toMillis());
        this.adminConfig.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "tollgate-health");
        this.adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        this.adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        this.timeout = timeout;
        this.ttlNanos = ttl.toNanos();
    }

    @Override
    public Health health() {
        Cached current = cached;
        if (current == null || System.nanoTime() - current.atNanos() >= ttlNanos) {
            current = check();
        }
        return current.health();
    }

    private synchronized Cached check() {
        Cached current = cached;
        if (current != null && System.nanoTime() - current.atNanos() < ttlNanos) {
            return current;
        }
        current = new Cached(describeCluster(), System.nanoTime());
        cached = current;
        return current;
    }

    private Health describeCluster() {
        try {
            if (admin == null) {
                admin = Admin.create(adminConfig);
            }
            DescribeClusterResult cluster = admin.describeCluster(
                    new DescribeClusterOptions().timeoutMs((int) Math.max(1, timeout.toMillis())));
            String clusterId = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Collection<Node> nodes = cluster.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up()
                    .withDetail("clusterId", clusterId == null ? "" : clusterId)
                    .withDetail("brokers", nodes.size())
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("error", "interrupted").build();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return Health.down()
                    .withDetail("error", cause.getClass().getSimpleName())
                    .withDetail("bootstrapServers", String.valueOf(adminConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)))
                    .build();
        }
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }

    private record Cached(Health health, long atNanos) {
    }
}
