package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.Provider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link CredentialPool}: smooth weighted round-robin (nginx's algorithm) over a provider's usable
 * credentials, all in memory.
 * <ul>
 *   <li>{@link #next} costs one uncontended lock and a pass over the provider's few credentials; no I/O.</li>
 *   <li>A 429 cuts the credential's weight (to {@code cool-down-weight-factor} of it, by default 0: out of
 *   rotation) for {@code tollgate.credentials.cool-down}, then restores it. Cool-downs are per instance.</li>
 *   <li>A 401/403 takes the credential out of rotation here at once and disables it in PostgreSQL
 *   (asynchronously, off the caller's thread), so every instance drops it at its next registry refresh; the
 *   periodic re-check ({@link CredentialMaintenance}) re-enables it once the provider accepts it again.</li>
 *   <li>When each credential was last used, and its last error, are written every few seconds, never per call.</li>
 * </ul>
 * The credential list comes with the {@link Provider} (from the registry's cache); a new list (a credential
 * added, re-weighted, disabled elsewhere) is taken over on the next call, keeping each surviving credential's
 * round-robin position and cool-down.
 */
@Component(WeightedCredentialPool.BEAN_NAME)
public class WeightedCredentialPool implements CredentialPool {
    public static final String BEAN_NAME = "credentialPool";
    /** Weights are scaled so that a fractional cool-down weight stays an integer. */
    private static final long SCALE = 100;

    /** Told when a credential was rejected by its provider; must not block. */
    @FunctionalInterface
    public interface RejectionListener {
        void rejected(Provider provider, Provider.Credential credential);
    }

    private final Clock clock;
    private final Duration coolDown;
    private final double coolDownWeightFactor;
    private final RejectionListener rejections;
    private final Map<String, Ring> rings = new ConcurrentHashMap<>();

    @Autowired
    WeightedCredentialPool(CredentialProperties properties, CredentialStore store) {
        this(properties, Clock.systemUTC(), (provider, credential) -> Thread.ofVirtual()
                .name("credential-disable-" + credential.id())
                .start(() -> store.disableRejected(provider.name(), credential.id(),
                        "The provider refused the key (HTTP 401/403) on a call.")));
    }

    public WeightedCredentialPool(CredentialProperties properties, Clock clock, RejectionListener rejections) {
        this.clock = clock;
        this.coolDown = properties.coolDown();
        this.coolDownWeightFactor = properties.coolDownWeightFactor();
        this.rejections = rejections;
    }

    @Override
    public Optional<Provider.Credential> next(Provider provider) {
        Ring ring = ring(provider);
        synchronized (ring) {
            return Optional.ofNullable(ring.pick(clock.millis()));
        }
    }

    @Override
    public void report(Provider provider, Provider.Credential credential, CallOutcome outcome) {
        if (outcome == CallOutcome.OK) {
            return;
        }
        // the ring as it is now: a call that started before the registry refreshed must not roll it back
        Ring current = rings.get(provider.name());
        Ring ring = current != null ? current : ring(provider);
        boolean newlyRejected = false;
        synchronized (ring) {
            Entry entry = ring.entry(credential.id());
            if (entry == null) {
                return;
            }
            long now = clock.millis();
            switch (outcome) {
                case RATE_LIMITED -> {
                    entry.coolingUntil = now + coolDown.toMillis();
                    entry.error("The provider rate-limited the key (HTTP 429).", now);
                }
                case REJECTED -> {
                    newlyRejected = entry.rejectedAtRevision < 0;
                    entry.rejectedAtRevision = entry.credential.revision();
                    entry.error("The provider refused the key (HTTP 401/403).", now);
                }
                default -> {
                }
            }
        }
        if (newlyRejected) {
            rejections.rejected(provider, credential);
        }
    }

    /**
     * How long until a cooling credential of this provider is usable again; empty when none is cooling.
     * For a Retry-After when {@link #next} found nothing.
     */
    @Override
    public Optional<Duration> retryAfter(Provider provider) {
        Ring ring = ring(provider);
        synchronized (ring) {
            long now = clock.millis();
            long earliest = Long.MAX_VALUE;
            for (Entry entry : ring.entries) {
                if (entry.rejectedAtRevision < 0 && entry.coolingUntil > now) {
                    earliest = Math.min(earliest, entry.coolingUntil);
                }
            }
            return earliest == Long.MAX_VALUE ? Optional.empty() : Optional.of(Duration.ofMillis(earliest - now));
        }
    }

    /** What this instance knows of a credential beyond the database: for the admin listing. */
    public record LocalState(Instant coolingUntil, Instant lastUsed, String lastError, Instant lastErrorAt) {
        static final LocalState NONE = new LocalState(null, null, null, null);
    }

    public LocalState localState(String providerName, String credentialId) {
        Ring ring = rings.get(providerName);
        if (ring == null) {
            return LocalState.NONE;
        }
        synchronized (ring) {
            Entry entry = ring.entry(credentialId);
            if (entry == null) {
                return LocalState.NONE;
            }
            long now = clock.millis();
            return new LocalState(entry.coolingUntil > now ? Instant.ofEpochMilli(entry.coolingUntil) : null,
                    entry.lastUsed > 0 ? Instant.ofEpochMilli(entry.lastUsed) : null, entry.lastError,
                    entry.lastErrorAt > 0 ? Instant.ofEpochMilli(entry.lastErrorAt) : null);
        }
    }

    /** A credential's use and last error since the previous drain, to be written to the database. */
    public record Usage(String credentialId, Instant lastUsed, String lastError, Instant lastErrorAt) {
    }

    /** Takes what changed since the last call: each credential used or failed since then, once. */
    public List<Usage> drainUsage() {
        List<Usage> usage = new ArrayList<>();
        for (Ring ring : rings.values()) {
            synchronized (ring) {
                for (Entry entry : ring.entries) {
                    boolean used = entry.lastUsed > entry.flushedUsed;
                    boolean failed = entry.lastErrorAt > entry.flushedErrorAt;
                    if (used || failed) {
                        usage.add(new Usage(entry.credential.id(), used ? Instant.ofEpochMilli(entry.lastUsed) : null,
                                failed ? entry.lastError : null, failed ? Instant.ofEpochMilli(entry.lastErrorAt) : null));
                        entry.flushedUsed = entry.lastUsed;
                        entry.flushedErrorAt = entry.lastErrorAt;
                    }
                }
            }
        }
        return usage;
    }

    /** Forgets a provider's state (its ring is rebuilt from the next call's credential list). */
    public void forget(String providerName) {
        rings.remove(providerName);
    }

    private Ring ring(Provider provider) {
        List<Provider.Credential> credentials = provider.credentials();
        Ring ring = rings.get(provider.name());
        if (ring != null && ring.source == credentials) {
            return ring;
        }
        return rings.compute(provider.name(), (name, existing) -> {
            if (existing == null) {
                return new Ring(credentials, null);
            }
            synchronized (existing) {
                if (existing.source == credentials) {
                    return existing;
                }
                if (existing.source.equals(credentials)) {
                    // the registry reloaded the same list: adopt it, so that the next call takes the fast path
                    existing.source = credentials;
                    return existing;
                }
                return new Ring(credentials, existing);
            }
        });
    }

    private final class Ring {
        /** The list this ring was built from, compared by identity on the hot path. */
        List<Provider.Credential> source;
        final Entry[] entries;

        Ring(List<Provider.Credential> credentials, Ring previous) {
            this.source = credentials;
            this.entries = new Entry[credentials.size()];
            Map<String, Entry> before = new HashMap<>();
            if (previous != null) {
                for (Entry entry : previous.entries) {
                    before.put(entry.credential.id(), entry);
                }
            }
            for (int i = 0; i < entries.length; i++) {
                Provider.Credential credential = credentials.get(i);
                Entry entry = new Entry(credential);
                Entry old = before.get(credential.id());
                if (old != null) {
                    entry.current = old.current;
                    entry.coolingUntil = old.coolingUntil;
                    entry.lastUsed = old.lastUsed;
                    entry.flushedUsed = old.flushedUsed;
                    entry.lastError = old.lastError;
                    entry.lastErrorAt = old.lastErrorAt;
                    entry.flushedErrorAt = old.flushedErrorAt;
                    // a rejection stands until the credential comes back changed (re-enabled: a newer revision)
                    if (old.rejectedAtRevision >= 0 && credential.revision() <= old.rejectedAtRevision) {
                        entry.rejectedAtRevision = old.rejectedAtRevision;
                    }
                }
                entries[i] = entry;
            }
        }

        Entry entry(String id) {
            for (Entry entry : entries) {
                if (entry.credential.id().equals(id)) {
                    return entry;
                }
            }
            return null;
        }

        /** nginx's smooth weighted round-robin; callers hold the ring's lock. */
        Provider.Credential pick(long now) {
            long total = 0;
            Entry best = null;
            for (Entry entry : entries) {
                long weight = entry.effectiveWeight(now);
                if (weight <= 0) {
                    continue;
                }
                entry.current += weight;
                total += weight;
                if (best == null || entry.current > best.current) {
                    best = entry;
                }
            }
            if (best == null) {
                return null;
            }
            best.current -= total;
            best.lastUsed = now;
            return best.credential;
        }
    }

    private final class Entry {
        final Provider.Credential credential;
        long current;
        /** Epoch millis until which its weight is cut; 0 when it is not cooling. */
        long coolingUntil;
        /** The revision it was rejected at; -1 when it was not. */
        long rejectedAtRevision = -1;
        long lastUsed;
        long flushedUsed;
        String lastError;
        long lastErrorAt;
        long flushedErrorAt;

        Entry(Provider.Credential credential) {
            this.credential = credential;
        }

        long effectiveWeight(long now) {
            if (rejectedAtRevision >= 0) {
                return 0;
            }
            long weight = credential.weight() * SCALE;
            if (coolingUntil != 0) {
                if (now < coolingUntil) {
                    return Math.round(weight * coolDownWeightFactor);
                }
                // cool-down over: back at full weight, starting afresh rather than with a burst
                coolingUntil = 0;
                current = 0;
            }
            return weight;
        }

        void error(String message, long now) {
            lastError = message;
            lastErrorAt = Math.max(now, lastErrorAt + 1);
        }
    }
}
