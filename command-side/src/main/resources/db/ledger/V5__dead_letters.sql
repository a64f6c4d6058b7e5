-- Ledger records that can never be delivered (issue 13): an event the Kafka publisher cannot send (larger than
-- the broker accepts, unreadable, unencodable) or a projection of the command side cannot apply. The processor
-- records it here, in the transaction that moves its position past it, and the rest flows on; `tollgate audit`
-- reports every row. The same table takes request events that cannot be delivered (source names the writer).
create table if not exists dead_letters (
    id          bigserial   primary key,
    -- who gave up on it: the processor or log that could not deliver it (kafka-publisher, expiry-schedule, ...)
    source      text        not null,
    event_id    uuid,
    event_type  text,
    reason      text        not null,
    -- the record as it would have gone out, or the stored event when it could not be read
    payload     bytea,
    recorded_at timestamptz not null default now()
);
