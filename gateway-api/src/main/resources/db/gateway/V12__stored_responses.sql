-- The Responses API's stored responses (store: true, the default), so that previous_response_id can continue
-- a conversation and GET /v1/responses/{id} can read it back. Owned by one account (or, for a caller without
-- one, one API key); kept until expires_at (tollgate.responses.retention), then deleted by the housekeeping.
create table stored_responses (
    id                   text primary key,
    owner                text        not null,
    previous_response_id text,
    -- the input items of this turn, as normalised (each with an id); the conversation before it is its chain
    input_items          jsonb       not null,
    -- the response object as the client got it, usage and cost included
    response             jsonb       not null,
    created_at           timestamptz not null default now(),
    expires_at           timestamptz not null
);

create index stored_responses_expiry on stored_responses (expires_at);
