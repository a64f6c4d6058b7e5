package io.tollgate.gateway.idempotency;

import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys this instance's requests hold right now, so that their leases are renewed while they run:
 * a stream longer than the abandon timeout must not look abandoned and be run (and charged) again.
 */
@Component
class InFlightClaims {
    private final Set<Claim.Acquired> claims = ConcurrentHashMap.newKeySet();

    void add(Claim.Acquired claim) {
        claims.add(claim);
    }

    void remove(Claim.Acquired claim) {
        claims.remove(claim);
    }

    List<Claim.Acquired> snapshot() {
        return List.copyOf(claims);
    }
}
