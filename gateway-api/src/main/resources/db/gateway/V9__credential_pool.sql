-- Several credentials per provider, picked by smooth weighted round-robin (gateway credentials/).
alter table provider_credentials
    add column name            text,
    add column weight          integer not null default 1 check (weight between 1 and 1000),
    -- 'disabled' credentials are not used: switched off by an admin (disabled_by 'admin'), or refused by the
    -- provider with 401/403 (disabled_by 'provider'), which a periodic re-check re-enables once they work.
    add column status          text not null default 'active' check (status in ('active', 'disabled')),
    add column disabled_by     text check (disabled_by in ('admin', 'provider')),
    add column disabled_reason text,
    add column disabled_at     timestamptz,
    -- the last failure seen with it (never a secret), and when it last carried a call (flushed every few seconds)
    add column last_error      text,
    add column last_error_at   timestamptz,
    add column last_used_at    timestamptz,
    -- when it was last tested against its provider (admin test or re-check)
    add column checked_at      timestamptz,
    -- bumped by every change of weight or status, so that an instance can tell a newer row from the one it saw
    add column revision        bigint not null default 0,
    add constraint provider_credentials_disabled_by check ((status = 'disabled') = (disabled_by is not null));
