-- Issue 14: a key made through /api/keys remembers the key that made it. Its parent's limits bind it too,
-- it never outlives its parent, and revoking the parent revokes it.
alter table api_keys add column parent_id text references api_keys (id) on delete cascade;
create index api_keys_by_parent on api_keys (parent_id) where parent_id is not null;

-- A resolved key carries its ancestors; re-parenting (a rotation hands the children to the successor)
-- must reach every instance's cache like a revocation does.
drop trigger api_keys_changed on api_keys;
create trigger api_keys_changed
    after update of revoked_at, expires_at, scopes, role, account_id, parent_id on api_keys
    for each row execute function notify_api_key_change();
