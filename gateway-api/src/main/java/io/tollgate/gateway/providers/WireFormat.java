package io.tollgate.gateway.providers;

/** The wire family a provider speaks; adapters exist per family, not per vendor. */
public enum WireFormat {
    OPENAI;

    public static WireFormat parse(String value) {
        for (WireFormat format : values()) {
            if (format.name().equalsIgnoreCase(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown wireFormat '" + value + "'; supported: openai");
    }
}
