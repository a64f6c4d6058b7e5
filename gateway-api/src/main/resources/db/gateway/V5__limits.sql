-- Limits per API key and per account (issue 5). A null column is no limit; a missing row falls back to
-- the configured defaults (tollgate.limits.defaults.*).
create table limits (
    subject_type        text not null check (subject_type in ('key', 'account')),
    subject_id          text not null,
    requests_per_minute bigint check (requests_per_minute > 0),
    tokens_per_minute   bigint check (tokens_per_minute > 0),
    concurrent_requests integer check (concurrent_requests > 0),
    budget_micros       bigint check (budget_micros >= 0),
    budget_period       text check (budget_period in ('day', 'month')),
    updated_at          timestamptz not null default now(),
    updated_by          text,
    primary key (subject_type, subject_id),
    check ((budget_micros is null) = (budget_period is null))
);

create function notify_limits_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('tollgate_auth', 'limits:' || coalesce(new.subject_type, old.subject_type) || ':'
                                       || coalesce(new.subject_id, old.subject_id));
    return null;
end $$;

create trigger limits_changed
    after insert or update or delete on limits
    for each row execute function notify_limits_change();

-- Bucket4j's token buckets (requests and tokens per minute), shared by every instance. The layout is
-- Bucket4j's PostgreSQL proxy manager's; expires_at (epoch millis) lets idle buckets be swept.
create table rate_buckets (
    id         text primary key,
    state      bytea,
    expires_at bigint
);
create index rate_buckets_by_expiry on rate_buckets (expires_at);

-- One row per request in flight under a concurrency limit. The instance that holds a lease renews it
-- while the request runs; a lease whose instance died stops counting when it expires.
create table concurrency_leases (
    lease_id   uuid primary key,
    subject    text not null,            -- 'key:<id>' or 'account:<id>'
    node_id    text not null,
    expires_at timestamptz not null
);
create index concurrency_leases_by_subject on concurrency_leases (subject, expires_at);

-- What each key and account spent per budget period (UTC day or month), from the debits of settled
-- requests.
create table spend (
    subject      text not null,          -- 'key:<id>' or 'account:<id>'
    period_start timestamptz not null,
    spent_micros bigint not null default 0,
    primary key (subject, period_start)
);
