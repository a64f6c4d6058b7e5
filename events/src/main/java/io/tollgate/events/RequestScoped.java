package io.tollgate.events;

/** An event that belongs to one gateway request. */
public interface RequestScoped {
    String requestId();
}
