-- Views are a pure function of the ledger topic (DESIGN.md I3): each table is rebuilt by replaying it.

-- Every applied event id, so that a redelivered event changes nothing (I4).
create table processed_events (
    event_id     uuid primary key,
    processed_at timestamptz not null default now()
);

create table account_balances (
    account_id      text primary key,
    display_name    text,
    granted_micros  bigint not null default 0,
    debited_micros  bigint not null default 0,
    reserved_micros bigint not null default 0,
    updated_at      timestamptz not null
);

create table account_usage (
    account_id       text primary key,
    requests         bigint not null default 0,
    succeeded        bigint not null default 0,
    failed           bigint not null default 0,
    rejected         bigint not null default 0,
    input_tokens     bigint not null default 0,
    output_tokens    bigint not null default 0,
    cost_micros      bigint not null default 0,
    updated_at       timestamptz not null
);

create table requests (
    request_id     text primary key,
    account_id     text not null,
    provider       text,
    model          text,
    status         text not null check (status in ('accepted', 'succeeded', 'failed', 'rejected')),
    stream         boolean,
    input_tokens   bigint,
    output_tokens  bigint,
    estimated      boolean,
    cost_micros    bigint,
    latency_millis bigint,
    ttfb_millis    bigint,
    error          text,
    accepted_at    timestamptz not null,
    finished_at    timestamptz
);
create index requests_by_account_time on requests (account_id, accepted_at desc);
