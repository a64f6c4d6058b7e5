package io.tollgate.gateway.providers.wire;

/** One server-sent event: its optional {@code event:} name and its {@code data:} payload. */
public record SseEvent(String event, String data) {

    public static SseEvent data(String data) {
        return new SseEvent(null, data);
    }

    /** The event as it goes on the wire, blank line included. */
    public String toWire() {
        var wire = new StringBuilder(data.length() + 32);
        if (event != null) {
            wire.append("event: ").append(event).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            wire.append("data: ").append(line).append('\n');
        }
        return wire.append('\n').toString();
    }
}
