-- Credit leases (issue 12): the CreditAccount grants gateway instances leases (LeaseGranted, LeaseExtended,
-- LeaseSettled); request events come from the gateway at settle time and name the lease they were drawn on.
-- Like V2, names are unqualified: the same migrations build the shadow schema `tollgate replay` fills.
-- Existing rows stay valid (old-shape events have no lease), so the live views are not re-projected.

alter table ledger_lines add column lease_id text;
create index ledger_lines_by_lease on ledger_lines (lease_id) where lease_id is not null;

alter table requests add column lease_id text;

-- reserved_micros / open_reservations keep meaning holds of single requests (old-shape CreditsReserved).
-- lease_hold_micros: what the account's open leases still hold, each lease's amount minus what the
-- requests drawn on it were already debited, floored at 0; the API's `reserved` is the sum of both.
alter table accounts add column lease_hold_micros bigint not null default 0;
alter table accounts add column open_leases int not null default 0;

-- One row per credit lease. status: 'pending' (request events named it before its LeaseGranted arrived),
-- 'open', 'returned' or 'expired' (LeaseSettled's reason). debited_micros / requests: the sum and count of
-- the CreditsDebited on the topic that name the lease; settled_*: what its LeaseSettled said.
create table leases (
    lease_id               text        primary key,
    account_id             text        not null,
    instance_id            text,
    amount_micros          bigint      not null default 0,
    granted_at             timestamptz,
    expires_at             timestamptz,
    status                 text        not null check (status in ('pending', 'open', 'returned', 'expired')),
    debited_micros         bigint      not null default 0,
    requests               bigint      not null default 0,
    settled_at             timestamptz,
    settled_debited_micros bigint,
    settled_requests       bigint
);
create index leases_by_account on leases (account_id, status);
