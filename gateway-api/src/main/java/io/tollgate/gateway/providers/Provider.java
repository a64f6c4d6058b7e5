package io.tollgate.gateway.providers;

import java.net.URI;
import java.util.List;

/** A registered upstream with its decrypted credentials; lives only in memory. */
public record Provider(String name, WireFormat wireFormat, URI baseUrl, List<Credential> credentials) {

    public record Credential(String id, String secret) {
        @Override
        public String toString() {
            return "Credential[id=" + id + "]";
        }
    }
}
