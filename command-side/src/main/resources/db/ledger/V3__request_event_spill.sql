-- Request events (io.tollgate.ledger.requests) that the gateway could not get acknowledged by the broker in time.
-- The topic is their system of record; a row here is a promise to put the event there. Republishers (any instance,
-- one at a time under an advisory lock) publish rows in seq order, then delete them. An event may reach the topic
-- twice (consumers dedupe by event id); none may be lost.
create table request_event_spill (
    -- the order the rows were spilled in, which is the order they are republished in
    seq bigint generated always as identity primary key,
    -- the instance that spilled it: it writes straight to the topic again only once its own rows are gone
    instance_id text not null,
    -- where it goes: the ledger topic of the instance that spilled it
    topic text not null,
    account_id text not null,
    lease_id text,
    event_id uuid not null,
    event_type text not null,
    schema_version integer not null,
    -- exactly the record value that goes to the topic (EventCodec JSON)
    payload bytea not null,
    spilled_at timestamp(6) with time zone not null default now()
);
create index request_event_spill_by_instance on request_event_spill (instance_id);
-- A lease is tallied from the topic plus its rows here.
create index request_event_spill_by_lease on request_event_spill (lease_id) where lease_id is not null;
