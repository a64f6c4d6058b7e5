-- What an operator sells: a number of credits for a price (in the currency's smallest unit, as Stripe takes it).
-- A package is disabled rather than deleted, so that purchases keep naming what was bought.
create table credit_packages (
    id             text        primary key,
    name           text        not null,
    credits_micros bigint      not null check (credits_micros > 0),
    unit_amount    bigint      not null check (unit_amount > 0),
    currency       text        not null check (currency ~ '^[a-z]{3}$'),
    active         boolean     not null default true,
    created_at     timestamptz not null default now(),
    created_by     text
);

-- One Stripe Checkout Session per row: opened by a caller, paid (credits granted once, by the ledger's grant id),
-- refunded (what was still unspent clawed back, once per refund step, by the ledger's adjustment id).
create table credit_purchases (
    session_id          text        primary key,
    account_id          text        not null,
    package_id          text        not null references credit_packages (id),
    credits_micros      bigint      not null,
    unit_amount         bigint      not null,
    currency            text        not null,
    status              text        not null check (status in ('open', 'paid', 'refunded')),
    payment_intent      text unique,
    grant_id            text,
    amount_refunded     bigint      not null default 0,
    clawed_back_micros  bigint      not null default 0,
    created_at          timestamptz not null default now(),
    paid_at             timestamptz,
    opened_by           text
);
create index credit_purchases_by_account on credit_purchases (account_id, created_at);
