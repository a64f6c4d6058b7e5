-- Client Idempotency-Keys: the first request with a key claims it (in_progress), its final outcome is
-- kept (completed) and replayed to every retry with the same key until the row expires.
create table idempotency_keys (
    -- The caller's account; for a key that belongs to no account (admin keys) 'key:' and the API key's
    -- id (account ids cannot contain ':', so the two never collide).
    account_id            text not null,
    idempotency_key       text not null,
    -- The same key with another path or body is a client bug, answered 422, never a replay.
    request_path          text not null,
    request_hash          bytea not null,   -- SHA-256 of the request body as sent
    state                 text not null check (state in ('in_progress', 'completed')),
    -- Changes with every claim, so that only the current owner can complete or release the row.
    claim_token           uuid not null,
    -- The owner renews this while it works; past it an in_progress row is abandoned (its node died)
    -- and a retry may take it over.
    lease_expires_at      timestamptz not null,
    response_status       integer,
    response_content_type text,
    response_headers      jsonb,            -- {"x-request-id":["req_…"], "x-tollgate-…":[…]}
    -- Null on a completed row when the response was too large to keep: a retry is then refused (409)
    -- rather than run and charged a second time.
    response_body         bytea,
    created_at            timestamptz not null default now(),
    completed_at          timestamptz,
    expires_at            timestamptz not null,
    primary key (account_id, idempotency_key)
);

create index idempotency_keys_by_expiry on idempotency_keys (expires_at);
