-- Records the projection could not apply (I8, issue 13): undecodable, of an unknown type, incomplete, or
-- refused by PostgreSQL (a NUL byte in text, a value over an index's row limit, ...). Their partition moves
-- on past them in the same transaction; `tollgate audit` reports every one, and a replay records them again.
create table dead_letters (
    topic       text        not null,
    partition   int         not null,
    "offset"    bigint      not null,
    record_key  text,
    event_id    uuid,
    event_type  text,
    reason      text        not null,
    payload     bytea,
    received_at timestamptz not null default now(),
    primary key (topic, partition, "offset")
);
