-- Tollgate API keys: only the SHA-256 of the secret is kept; the secret is shown once.
create table api_keys (
    id          text primary key,
    key_hash    bytea not null unique,
    key_prefix  text not null,
    name        text not null,
    account_id  text,
    role        text not null check (role in ('admin', 'user')),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);

create table providers (
    name        text primary key,
    wire_format text not null,
    base_url    text not null,
    enabled     boolean not null default true,
    created_at  timestamptz not null default now()
);

-- Provider API keys, AES-GCM encrypted under the vault master key.
create table provider_credentials (
    id          text primary key,
    provider    text not null references providers (name) on delete cascade,
    ciphertext  bytea not null,
    masked      text not null,
    created_at  timestamptz not null default now()
);
create index provider_credentials_by_provider on provider_credentials (provider);

-- Prices in micro-credits per million tokens.
create table model_rates (
    provider                  text not null references providers (name) on delete cascade,
    model                     text not null,
    input_micros_per_million  bigint not null check (input_micros_per_million >= 0),
    output_micros_per_million bigint not null check (output_micros_per_million >= 0),
    updated_at                timestamptz not null default now(),
    primary key (provider, model)
);
