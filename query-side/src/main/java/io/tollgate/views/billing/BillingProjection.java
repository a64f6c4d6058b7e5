package io.tollgate.views.billing;

import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.projection.support.Storable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Billing as a fold: each account's totals and its ledger lines with the running balance. The batch's events
 * are replayed in log order on top of the stored state of the accounts and leases they touch, so the running
 * balance of every line is exact; the result is the accounts and leases with absolute values and the new
 * lines. Ordering per account holds because an account's events share one partition and one consumer.
 * {@link BillingWriter} reads the stored state and writes the result.
 *
 * <p>Live, a fresh instance folds each batch. In a rebuild ({@link #bulk()}) one instance folds every batch of
 * a writer lane and holds every account and lease of the lane itself: its {@link Result} then carries only the
 * lines, and the rows are written once from {@link #heldAccounts()} and {@link #heldLeases()}. What it holds
 * changes only in {@link #committed()}, so a batch that is rolled back leaves no trace.
 */
final class BillingProjection {
    /** A row of views.accounts. */
    public record Account(String accountId, String displayName, Instant openedAt, Instant closedAt, long granted,
                          long debited, long refunded, long expired, long adjusted, long reserved,
                          int openReservations, long lines, Instant lastEventAt, long leaseHold, int openLeases) {
        public long balance() {
            return granted - debited + refunded - expired + adjusted;
        }
    }

    /** A row of views.leases; status is pending, open, expired or returned. */
    public record Lease(String leaseId, String accountId, String instanceId, long amount, Instant grantedAt,
                        Instant expiresAt, String status, long debited, long requests, Instant settledAt,
                        Long settledDebited, Long settledRequests) {
    }

    /** A row of views.ledger_lines. */
    public record Line(String accountId, long lineNo, UUID eventId, Instant occurredAt, String kind, long amount,
                       long balance, String requestId, String grantId, String provider, String model, String note,
                       String leaseId, String source, String reference) {
    }

    /** The stored rows of the accounts and leases the batch touches (those without a row are left out). */
    public record Stored(Map<String, Account> accounts, Map<String, Lease> leases) {
        public static final Stored NOTHING = new Stored(Map.of(), Map.of());
    }

    /** The lines to insert and the accounts and leases to upsert (none in a rebuild: it holds them). */
    public record Result(List<Line> lines, Collection<Account> accounts, Collection<Lease> leases) {
    }

    private final List<TollgateEvent> events = new ArrayList<>();
    /** Bulk (a rebuild): every account and lease of the lane, as of the last committed batch; else null. */
    private final Map<String, AccountState> accountCache;
    private final Map<String, LeaseState> leaseCache;
    private Map<String, AccountState> pendingAccounts;
    private Map<String, LeaseState> pendingLeases;

    private BillingProjection(boolean bulk) {
        accountCache = bulk ? new HashMap<>() : null;
        leaseCache = bulk ? new HashMap<>() : null;
    }

    public static BillingProjection live() {
        return new BillingProjection(false);
    }

    /**
     * For a rebuild into a fresh schema by the one lane that sees all of these accounts' events: account and
     * lease rows are kept in memory across batches instead of being read and written back in every batch.
     */
    public static BillingProjection bulk() {
        return new BillingProjection(true);
    }

    /** A new batch starts; whatever an earlier, rolled back batch left is dropped. */
    public void begin() {
        events.clear();
        pendingAccounts = null;
        pendingLeases = null;
    }

    /** Takes the batch's next event (in log order); refuses, before anything is written, what cannot be stored. */
    public void apply(TollgateEvent event) {
        Storable.check("accountId", event.accountId(), Storable.MAX_KEY_CHARS);
        switch (event) {
            case AccountOpened e -> Storable.check("displayName", e.displayName(), 0);
            case CreditsGranted e -> Storable.check("reference", e.reference(), 0);
            case LeaseGranted e -> {
                Storable.check("leaseId", e.leaseId(), Storable.MAX_KEY_CHARS);
                Storable.check("instanceId", e.instanceId(), 0);
            }
            case LeaseExtended e -> Storable.check("leaseId", e.leaseId(), Storable.MAX_KEY_CHARS);
            case LeaseSettled e -> Storable.check("leaseId", e.leaseId(), Storable.MAX_KEY_CHARS);
            case CreditsDebited e -> Storable.check("leaseId", e.leaseId(), Storable.MAX_KEY_CHARS);
            default -> {
            }
        }
        switch (event) {
            case AccountOpened e -> events.add(e);
            case AccountClosed e -> events.add(e);
            case CreditsGranted e -> events.add(e);
            case CreditsDebited e -> events.add(e);
            case CreditsRefunded e -> events.add(e);
            case CreditsExpired e -> events.add(e);
            case CreditsAdjusted e -> events.add(e);
            case CreditsReserved e -> events.add(e);
            case ReservationReleased e -> events.add(e);
            case LeaseGranted e -> events.add(e);
            case LeaseExtended e -> events.add(e);
            case LeaseSettled e -> events.add(e);
            default -> {
                // Not a movement of credit (request lifecycle, rate cards, and event types added later).
            }
        }
    }

    /** Whether the batch moves credit at all; if not, there is nothing to read or write. */
    public boolean hasWork() {
        return !events.isEmpty();
    }

    /** The accounts whose stored rows {@link #fold} needs: none in a rebuild, which holds them. */
    public List<String> accountsToLoad() {
        if (accountCache != null) {
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (TollgateEvent event : events) {
            ids.add(event.accountId());
        }
        return new ArrayList<>(ids);
    }

    /** The leases whose stored rows {@link #fold} needs: none in a rebuild, which holds them. */
    public List<String> leasesToLoad() {
        if (leaseCache != null) {
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (TollgateEvent event : events) {
            String leaseId = leaseIdOf(event);
            if (leaseId != null) {
                ids.add(leaseId);
            }
        }
        return new ArrayList<>(ids);
    }

    /** Replays the batch's events on top of the stored rows (live) or of what this rebuild holds (bulk). */
    public Result fold(Stored stored) {
        Map<String, AccountState> accounts = accountCache != null ? fromCache() : fromStored(stored.accounts());
        Map<String, LeaseState> leases = leaseCache != null ? leasesFromCache() : leasesFromStored(stored.leases());
        List<Line> lines = new ArrayList<>();
        for (TollgateEvent event : events) {
            AccountState account = accounts.computeIfAbsent(event.accountId(), AccountState::new);
            account.lastEventAt = event.occurredAt();
            switch (event) {
                case AccountOpened e -> {
                    account.displayName = e.displayName();
                    if (account.openedAt == null) {
                        account.openedAt = e.occurredAt();
                    }
                }
                case AccountClosed e -> account.closedAt = e.occurredAt();
                case CreditsGranted e -> {
                    account.granted += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "grant", e.amountMicros(), null, e.grantId(),
                            null, null, grantNote(e), null, e.source() == null ? null : e.source().name(),
                            e.reference()));
                }
                case CreditsDebited e -> {
                    account.debited += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "debit", -e.amountMicros(), e.requestId(), null,
                            e.provider(), e.model(), null, e.leaseId(), null, null));
                    if (e.leaseId() != null) {
                        // Visible at once as a debit; the lease now holds that much less (floor 0).
                        lease(leases, e.leaseId(), account).debit(account, e.amountMicros());
                    }
                }
                case CreditsRefunded e -> {
                    account.refunded += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "refund", e.amountMicros(), e.requestId(), null,
                            null, null, e.reason(), null, null, null));
                }
                case CreditsExpired e -> {
                    account.expired += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "expiry", -e.amountMicros(), null, e.grantId(),
                            null, null, null, null, null, null));
                }
                case CreditsAdjusted e -> {
                    account.adjusted += e.deltaMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "adjustment", e.deltaMicros(), null, null,
                            null, null, e.reason(), null, null, null));
                }
                case CreditsReserved e -> {
                    account.reserved += e.amountMicros();
                    account.openReservations++;
                }
                case ReservationReleased e -> {
                    // A release on a lease had no CreditsReserved of its own: the lease holds the credit.
                    if (e.leaseId() == null) {
                        account.reserved -= e.amountMicros();
                        account.openReservations--;
                    }
                }
                case LeaseGranted e -> lease(leases, e.leaseId(), account).grant(account, e);
                case LeaseExtended e -> lease(leases, e.leaseId(), account).expiresAt = e.expiresAt();
                // Not a debit: the requests drawn on the lease were debited one by one already.
                case LeaseSettled e -> lease(leases, e.leaseId(), account).settle(account, e);
                default -> {
                }
            }
        }
        if (accountCache != null) {
            pendingAccounts = accounts;
            pendingLeases = leases;
            return new Result(lines, List.of(), List.of());
        }
        List<Account> accountRows = new ArrayList<>(accounts.size());
        for (AccountState account : accounts.values()) {
            accountRows.add(account.row());
        }
        List<Lease> leaseRows = new ArrayList<>(leases.size());
        for (LeaseState lease : leases.values()) {
            leaseRows.add(lease.row());
        }
        return new Result(lines, accountRows, leaseRows);
    }

    /** The batch's transaction committed: a rebuild now holds the batch's accounts and leases. */
    public void committed() {
        if (accountCache != null && pendingAccounts != null) {
            accountCache.putAll(pendingAccounts);
            leaseCache.putAll(pendingLeases);
        }
        pendingAccounts = null;
        pendingLeases = null;
    }

    /** Bulk: every account of the lane as of the last committed batch, to be written once. */
    public List<Account> heldAccounts() {
        List<Account> rows = new ArrayList<>(accountCache.size());
        for (AccountState account : accountCache.values()) {
            rows.add(account.row());
        }
        return rows;
    }

    /** Bulk: every lease of the lane as of the last committed batch, to be written once. */
    public List<Lease> heldLeases() {
        List<Lease> rows = new ArrayList<>(leaseCache.size());
        for (LeaseState lease : leaseCache.values()) {
            rows.add(lease.row());
        }
        return rows;
    }

    private Map<String, AccountState> fromStored(Map<String, Account> stored) {
        Map<String, AccountState> accounts = new LinkedHashMap<>();
        for (Account row : stored.values()) {
            accounts.put(row.accountId(), AccountState.of(row));
        }
        return accounts;
    }

    private static Map<String, LeaseState> leasesFromStored(Map<String, Lease> stored) {
        Map<String, LeaseState> leases = new LinkedHashMap<>();
        for (Lease row : stored.values()) {
            leases.put(row.leaseId(), LeaseState.of(row));
        }
        return leases;
    }

    /** Copies of the cached states of the batch's accounts (the cache changes only when the batch commits). */
    private Map<String, AccountState> fromCache() {
        Map<String, AccountState> accounts = new LinkedHashMap<>();
        for (TollgateEvent event : events) {
            accounts.computeIfAbsent(event.accountId(), id -> {
                AccountState cached = accountCache.get(id);
                return cached == null ? new AccountState(id) : cached.copy();
            });
        }
        return accounts;
    }

    private Map<String, LeaseState> leasesFromCache() {
        Map<String, LeaseState> leases = new LinkedHashMap<>();
        for (TollgateEvent event : events) {
            String id = leaseIdOf(event);
            LeaseState cached = id == null ? null : leaseCache.get(id);
            if (cached != null) {
                leases.put(id, cached.copy());
            }
        }
        return leases;
    }

    private static String leaseIdOf(TollgateEvent event) {
        return switch (event) {
            case LeaseGranted e -> e.leaseId();
            case LeaseExtended e -> e.leaseId();
            case LeaseSettled e -> e.leaseId();
            case CreditsDebited e -> e.leaseId();
            default -> null;
        };
    }

    private static LeaseState lease(Map<String, LeaseState> leases, String leaseId, AccountState account) {
        return leases.computeIfAbsent(leaseId, id -> new LeaseState(id, account.accountId));
    }

    private static String grantNote(CreditsGranted grant) {
        String source = grant.source() == null ? "grant" : grant.source().name().toLowerCase(Locale.ROOT);
        return grant.expiresAt() == null ? source : source + ", expires " + grant.expiresAt();
    }

    /** An account's billing state while the batch is replayed on top of it. */
    private static final class AccountState {
        final String accountId;
        String displayName;
        Instant openedAt, closedAt, lastEventAt;
        long granted, debited, refunded, expired, adjusted, reserved, lines, leaseHold;
        int openReservations, openLeases;

        AccountState(String accountId) {
            this.accountId = accountId;
        }

        static AccountState of(Account row) {
            AccountState a = new AccountState(row.accountId());
            a.displayName = row.displayName();
            a.openedAt = row.openedAt();
            a.closedAt = row.closedAt();
            a.lastEventAt = row.lastEventAt();
            a.granted = row.granted();
            a.debited = row.debited();
            a.refunded = row.refunded();
            a.expired = row.expired();
            a.adjusted = row.adjusted();
            a.reserved = row.reserved();
            a.lines = row.lines();
            a.leaseHold = row.leaseHold();
            a.openReservations = row.openReservations();
            a.openLeases = row.openLeases();
            return a;
        }

        Account row() {
            return new Account(accountId, displayName, openedAt, closedAt, granted, debited, refunded, expired,
                    adjusted, reserved, openReservations, lines, lastEventAt, leaseHold, openLeases);
        }

        AccountState copy() {
            AccountState c = new AccountState(accountId);
            c.displayName = displayName;
            c.openedAt = openedAt;
            c.closedAt = closedAt;
            c.lastEventAt = lastEventAt;
            c.granted = granted;
            c.debited = debited;
            c.refunded = refunded;
            c.expired = expired;
            c.adjusted = adjusted;
            c.reserved = reserved;
            c.lines = lines;
            c.leaseHold = leaseHold;
            c.openReservations = openReservations;
            c.openLeases = openLeases;
            return c;
        }

        long balance() {
            return granted - debited + refunded - expired + adjusted;
        }

        Line line(UUID eventId, Instant at, String kind, long amount, String requestId, String grantId,
                  String provider, String model, String note, String leaseId, String source, String reference) {
            lines++;
            return new Line(accountId, lines, eventId, at, kind, amount, balance(), requestId, grantId, provider, model,
                    note, leaseId, source, reference);
        }
    }

    /**
     * One credit lease while the batch is replayed on top of it. While open it holds {@code amount − debited}
     * (floor 0) of its account's credit, where debited is what the requests drawn on it were debited so far;
     * the account's lease_hold is the sum of that over its open leases, kept by applying every change of a
     * lease's hold to its account. Request events may arrive before their lease's LeaseGranted (two
     * producers): the lease is 'pending' until then and holds nothing.
     */
    private static final class LeaseState {
        final String leaseId, accountId;
        String instanceId, status = "pending";
        long amount, debited, requests;
        Long settledDebited, settledRequests;
        Instant grantedAt, expiresAt, settledAt;

        LeaseState(String leaseId, String accountId) {
            this.leaseId = leaseId;
            this.accountId = accountId;
        }

        static LeaseState of(Lease row) {
            LeaseState l = new LeaseState(row.leaseId(), row.accountId());
            l.instanceId = row.instanceId();
            l.status = row.status();
            l.amount = row.amount();
            l.debited = row.debited();
            l.requests = row.requests();
            l.settledDebited = row.settledDebited();
            l.settledRequests = row.settledRequests();
            l.grantedAt = row.grantedAt();
            l.expiresAt = row.expiresAt();
            l.settledAt = row.settledAt();
            return l;
        }

        Lease row() {
            return new Lease(leaseId, accountId, instanceId, amount, grantedAt, expiresAt, status, debited, requests,
                    settledAt, settledDebited, settledRequests);
        }

        LeaseState copy() {
            LeaseState c = new LeaseState(leaseId, accountId);
            c.instanceId = instanceId;
            c.status = status;
            c.amount = amount;
            c.debited = debited;
            c.requests = requests;
            c.settledDebited = settledDebited;
            c.settledRequests = settledRequests;
            c.grantedAt = grantedAt;
            c.expiresAt = expiresAt;
            c.settledAt = settledAt;
            return c;
        }

        long hold() {
            return "open".equals(status) ? Math.max(0, amount - debited) : 0;
        }

        void grant(AccountState account, LeaseGranted e) {
            long before = hold();
            instanceId = e.instanceId();
            amount = e.amountMicros();
            grantedAt = e.occurredAt();
            expiresAt = e.expiresAt();
            if ("pending".equals(status)) {
                status = "open";
                account.openLeases++;
            }
            account.leaseHold += hold() - before;
        }

        void debit(AccountState account, long micros) {
            long before = hold();
            debited += micros;
            requests++;
            account.leaseHold += hold() - before;
        }

        void settle(AccountState account, LeaseSettled e) {
            long before = hold();
            if ("open".equals(status)) {
                account.openLeases--;
            }
            status = e.reason() == LeaseSettled.LeaseEnd.EXPIRED ? "expired" : "returned";
            if (amount == 0) {
                amount = e.amountMicros();
            }
            settledAt = e.occurredAt();
            settledDebited = e.debitedMicros();
            settledRequests = e.requests();
            account.leaseHold += hold() - before;
        }
    }
}
