-- What can still expire, and when: the expiry sweeper's work list (io.tollgate.ledger.expiry).
-- A read model of the event log, kept by the "expiry-schedule" tracking processor and rebuildable by
-- replaying it; the CreditAccount aggregate, never this table, decides whether something expires.
-- Ids are text: an id too long for a column would stop the processor at that event for good.
create table expiry_schedule (
    account_id text not null,
    kind varchar(16) not null check (kind in ('reservation', 'grant')),
    -- the request id of a reservation, the grant id of a grant
    item_id text not null,
    due_at timestamp(6) with time zone not null,
    primary key (account_id, kind, item_id)
);
-- The sweeper takes the oldest due entries first.
create index expiry_schedule_by_due_at on expiry_schedule (due_at);
