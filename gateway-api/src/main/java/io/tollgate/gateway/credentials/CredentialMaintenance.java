package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.WireFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The credential pool's background work on every instance: writing when credentials were last used (every
 * {@code usage-flush-interval}), and re-checking the credentials their provider refused (every
 * {@code recheck-interval}; each disabled credential is claimed by one instance per interval).
 */
@Component
@EnableScheduling
class CredentialMaintenance implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(CredentialMaintenance.class);
    private static final int RECHECK_BATCH = 50;

    private final WeightedCredentialPool pool;
    private final CredentialStore store;
    private final CredentialTester tester;
    private final ProviderRegistry registry;
    private final CredentialProperties properties;

    CredentialMaintenance(WeightedCredentialPool pool, CredentialStore store, CredentialTester tester,
                          ProviderRegistry registry, CredentialProperties properties) {
        this.pool = pool;
        this.store = store;
        this.tester = tester;
        this.registry = registry;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        tasks.addFixedDelayTask(this::flushUsageQuietly, properties.usageFlushInterval());
        tasks.addFixedDelayTask(this::recheckQuietly, properties.recheckInterval());
    }

    public record RecheckReport(int tested, int reenabled, int stillRejected, int notConclusive) {
    }

    /** Tests every credential disabled by its provider that was not tested for {@code minAge}; re-enables those that work. */
    public RecheckReport recheck(Duration minAge) {
        int tested = 0, reenabled = 0, rejected = 0, other = 0;
        List<CredentialStore.StoredCredential> batch;
        do {
            batch = store.claimForRecheck(minAge, RECHECK_BATCH);
            for (CredentialStore.StoredCredential credential : batch) {
                var provider = registry.view(credential.provider());
                if (provider.isEmpty()) {
                    continue;
                }
                if (credential.secret() == null) {
                    store.recordCheck(credential.id(), "The key cannot be decrypted with this instance's master keys.");
                    other++;
                    continue;
                }
                tested++;
                var result = tester.test(WireFormat.parse(provider.get().wireFormat()),
                        URI.create(provider.get().baseUrl()), credential.secret());
                switch (result.verdict()) {
                    case VALID -> {
                        if (store.enableAfterCheck(credential.provider(), credential.id())) {
                            reenabled++;
                        }
                    }
                    case REJECTED -> {
                        store.recordCheck(credential.id(), result.message());
                        rejected++;
                    }
                    default -> {
                        store.recordCheck(credential.id(), result.message());
                        other++;
                    }
                }
            }
        } while (batch.size() == RECHECK_BATCH);
        return new RecheckReport(tested, reenabled, rejected, other);
    }

    public void flushUsage() {
        List<WeightedCredentialPool.Usage> usage = pool.drainUsage();
        if (!usage.isEmpty()) {
            store.recordUsage(usage);
        }
    }

    private void flushUsageQuietly() {
        try {
            flushUsage();
        } catch (RuntimeException e) {
            log.warn("could not record credential usage ({})", e.getClass().getSimpleName());
        }
    }

    private void recheckQuietly() {
        try {
            // a little under the interval, so that a credential stamped one period ago is due at this run
            RecheckReport report = recheck(properties.recheckInterval().multipliedBy(9).dividedBy(10));
            if (report.tested() > 0) {
                log.info("credential re-check: {} tested, {} re-enabled, {} still refused, {} inconclusive",
                        report.tested(), report.reenabled(), report.stillRejected(), report.notConclusive());
            }
        } catch (RuntimeException e) {
            log.warn("credential re-check failed ({})", e.getClass().getSimpleName());
        }
    }
}
