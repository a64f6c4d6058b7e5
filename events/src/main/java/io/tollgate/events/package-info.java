/**
 * The event catalogue every module shares: the event records at this root, their JSON wire form in {@code codec}
 * (names, versions, upcasters), and ids, fixed-point credits and naming in {@code support}.
 * It may use the JDK, Jackson and the UUID generator only: no other Tollgate module, no Spring, no Axon.
 */
package io.tollgate.events;
