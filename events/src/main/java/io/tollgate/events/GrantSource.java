package io.tollgate.events;

public enum GrantSource { ADMIN, PURCHASE, PROMOTION }
