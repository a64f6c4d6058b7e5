package io.tollgate.gateway.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a key (or token) may call; see {@link EndpointScopes} for which endpoint needs which. */
public enum Scope {
    CHAT, EMBEDDINGS, IMAGES, ADMIN;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Scope parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown scope '" + name + "': use chat, embeddings, images or admin");
        }
    }

    public static Set<Scope> defaultsFor(Caller.Role role) {
        return role == Caller.Role.ADMIN ? EnumSet.allOf(Scope.class) : EnumSet.of(CHAT, EMBEDDINGS, IMAGES);
    }
}
