package io.tollgate.gateway.idempotency;

import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Outcomes this instance could not store when their requests ended (the database refused or was away).
 * They are stored again until the database takes them; meanwhile their keys stay claimed, so a retry is
 * told to wait (409) rather than run, and once stored it gets the original answer.
 */
@Component
class UnsavedOutcomes {
    /** Beyond this many, outcomes are kept without their bodies: a retry then gets 409 but is never run again. */
    static final int MAX_WITH_BODIES = 1_000;

    /** @param isFinal false: the key is to be released, not completed */
    record Unsaved(Claim.Acquired claim, StoredResponse outcome, boolean isFinal) {
    }

    private final Map<Claim.Acquired, Unsaved> unsaved = new ConcurrentHashMap<>();

    void add(Claim.Acquired claim, StoredResponse outcome, boolean isFinal) {
        StoredResponse kept = unsaved.size() < MAX_WITH_BODIES ? outcome : outcome.withoutBody();
        unsaved.put(claim, new Unsaved(claim, kept, isFinal));
    }

    void remove(Claim.Acquired claim) {
        unsaved.remove(claim);
    }

    List<Unsaved> snapshot() {
        return List.copyOf(unsaved.values());
    }
}
