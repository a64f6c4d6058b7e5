-- Views are a pure function of the ledger topic (DESIGN.md I3). This version replaces V1's tables with
-- the usage, call history and billing model; it starts empty and, because the consumer's positions now
-- live in this schema (consumer_positions), the query side projects the topic again from offset 0.
-- Names are unqualified on purpose: the same migrations build the shadow schema that `tollgate replay`
-- fills and then swaps in.

drop table if exists account_balances;
drop table if exists account_usage;
drop table if exists requests;
truncate processed_events;

-- Where each partition's projection stands: written in the same transaction as the batch it ends, so the
-- views and their positions never disagree, and a swapped-in rebuild carries its own positions along.
create table consumer_positions (
    topic       text   not null,
    partition   int    not null,
    next_offset bigint not null,
    primary key (topic, partition)
);

-- Billing: one row per account, absolute totals (micro-credits). balance = granted - debited + refunded
-- - expired + adjusted; reserved is what open reservations hold.
create table accounts (
    account_id       text primary key,
    display_name     text,
    opened_at        timestamptz,
    closed_at        timestamptz,
    granted_micros   bigint not null default 0,
    debited_micros   bigint not null default 0,
    refunded_micros  bigint not null default 0,
    expired_micros   bigint not null default 0,
    adjusted_micros  bigint not null default 0,
    reserved_micros  bigint not null default 0,
    open_reservations int   not null default 0,
    ledger_lines     bigint not null default 0,
    last_event_at    timestamptz not null
);

-- Every credit movement of an account, numbered per account, with the balance after it.
create table ledger_lines (
    account_id     text        not null,
    line_no        bigint      not null,
    event_id       uuid        not null unique,
    occurred_at    timestamptz not null,
    kind           text        not null check (kind in ('grant', 'debit', 'refund', 'expiry', 'adjustment')),
    amount_micros  bigint      not null,
    balance_micros bigint      not null,
    request_id     text,
    grant_id       text,
    provider       text,
    model          text,
    note           text,
    primary key (account_id, line_no)
);
create index ledger_lines_by_account_time on ledger_lines (account_id, occurred_at);

-- Call history: one row per request, merged from its events as they arrive.
create table requests (
    request_id        text primary key,
    account_id        text        not null,
    api_key_id        text,
    provider          text,
    model             text,
    api_format        text,
    stream            boolean,
    status            text        not null check (status in ('accepted', 'succeeded', 'failed', 'rejected')),
    http_status       int,
    attempts          int         not null default 0,
    input_tokens      bigint,
    output_tokens     bigint,
    cached_tokens     bigint,
    estimated         boolean,
    reserved_micros   bigint,
    cost_micros       bigint,
    refunded_micros   bigint,
    duration_millis   bigint,
    ttfb_millis       bigint,
    error             text,
    accepted_at       timestamptz not null,
    finished_at       timestamptz
);
create index requests_by_account_time on requests (account_id, accepted_at desc, request_id desc);

-- Sums two latency histograms bucket by bucket (see LatencyHistogram for the bucket bounds).
create function add_counts(a int[], b int[]) returns int[]
    language sql immutable parallel safe
as $$ select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i) from unnest(a, b) with ordinality as t(x, y, i) $$;

-- Usage analytics: hourly UTC buckets per account, API key, provider and model ('' when unknown). Days
-- and months are summed from these at query time, in the viewer's time zone.
create table usage_hourly (
    account_id         text        not null,
    hour               timestamptz not null,
    api_key_id         text        not null,
    provider           text        not null,
    model              text        not null,
    requests           bigint      not null default 0,
    succeeded          bigint      not null default 0,
    failed             bigint      not null default 0,
    rejected           bigint      not null default 0,
    input_tokens       bigint      not null default 0,
    output_tokens      bigint      not null default 0,
    cached_tokens      bigint      not null default 0,
    credits_micros     bigint      not null default 0,
    refunded_micros    bigint      not null default 0,
    latency_count      bigint      not null default 0,
    latency_sum_millis bigint      not null default 0,
    latency_hist       int[]       not null,
    ttfb_count         bigint      not null default 0,
    ttfb_sum_millis    bigint      not null default 0,
    ttfb_hist          int[]       not null,
    primary key (account_id, hour, api_key_id, provider, model)
);
create index usage_hourly_by_hour on usage_hourly (hour);

-- Sums histograms over many rows (a null state is an empty histogram: add_counts treats a missing side as 0).
create aggregate sum_counts(int[]) (sfunc = add_counts, stype = int[]);
