-- API keys (issue 5): scopes, expiry, last use, rotation with a grace period, and who did what.
alter table api_keys add column scopes text[] not null default '{chat,embeddings,images}';
update api_keys set scopes = '{chat,embeddings,images,admin}' where role = 'admin';
alter table api_keys add column expires_at   timestamptz;            -- null: never expires
alter table api_keys add column last_used_at timestamptz;            -- written in batches, seconds late
alter table api_keys add column replaced_by  text;                   -- the key that rotated this one
alter table api_keys add column created_by   text;                   -- an API key id or jwt:<subject>
alter table api_keys add column revoked_by   text;
-- revoked_at may lie in the future: a rotated key keeps working until its grace period ends.

create index api_keys_by_account on api_keys (account_id);

-- Every instance caches resolved keys; a change that can end a key tells them all at once. The payload
-- names the key only (never its hash); instances LISTEN on 'tollgate_auth' and drop their cached entry.
create function notify_api_key_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('tollgate_auth', 'key:' || coalesce(new.id, old.id));
    return null;
end $$;

create trigger api_keys_changed
    after update of revoked_at, expires_at, scopes, role, account_id on api_keys
    for each row execute function notify_api_key_change();

create trigger api_keys_deleted
    after delete on api_keys
    for each row execute function notify_api_key_change();
