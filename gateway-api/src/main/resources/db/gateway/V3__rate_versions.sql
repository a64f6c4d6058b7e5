-- Model rates are effective-dated: every ModelRateSet event adds (or, for the same instant, replaces) a
-- version, and the rate in force at an instant is the latest version whose effective_from is not after
-- it. Rows are written by the gateway's "rate-table" event handler in the transaction that stores the
-- event. Prices in micro-credits: per million tokens, or per image.
create table model_rate_versions (
    provider                         text not null references providers (name) on delete cascade,
    model                            text not null,
    effective_from                   timestamptz not null,
    input_micros_per_million         bigint not null check (input_micros_per_million >= 0),
    output_micros_per_million        bigint not null check (output_micros_per_million >= 0),
    cached_input_micros_per_million  bigint not null check (cached_input_micros_per_million >= 0),
    image_micros                     bigint not null default 0 check (image_micros >= 0),
    embedding_micros_per_million     bigint not null default 0 check (embedding_micros_per_million >= 0),
    -- the ModelRateSet that wrote the row; null for rates carried over from model_rates below
    event_id                         uuid,
    set_by                           text,
    set_at                           timestamptz not null default now(),
    primary key (provider, model, effective_from)
);

-- The rates set before versions existed, each in force from when it was last set. Cached input was
-- billed as input then, so that is its cached price; images and embeddings had no price.
insert into model_rate_versions (provider, model, effective_from, input_micros_per_million,
                                 output_micros_per_million, cached_input_micros_per_million, set_at)
select provider, model, updated_at, input_micros_per_million, output_micros_per_million,
       input_micros_per_million, updated_at
from model_rates;

-- Superseded: nothing reads or writes it any more.
drop table model_rates;
