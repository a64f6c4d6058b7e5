package io.tollgate.gateway.providers;

import java.net.URI;
import java.util.List;

/**
 * A registered upstream with its usable (active) credentials, decrypted; lives only in memory. Which
 * credential carries a call is the {@code CredentialPool}'s choice, not the list's order.
 */
public record Provider(String name, WireFormat wireFormat, URI baseUrl, List<Credential> credentials) {

    /**
     * @param weight   its share of the provider's calls under weighted round-robin (1..1000)
     * @param revision the row's revision: changes with every change of its weight or status
     */
    public record Credential(String id, String secret, int weight, long revision) {
        public Credential {
            if (weight < 1) {
                throw new IllegalArgumentException("a credential's weight is at least 1");
            }
        }

        public Credential(String id, String secret) {
            this(id, secret, 1, 0);
        }

        @Override
        public String toString() {
            return "Credential[id=" + id + ", weight=" + weight + "]";
        }
    }
}
