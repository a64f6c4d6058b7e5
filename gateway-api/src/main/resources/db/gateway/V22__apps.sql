-- Issue 16 item 2: the applications of an account (AIGNE Hub's projects). Every request may be made for one:
-- the app its key is bound to, or the one its x-tollgate-app header names; the app is on the request events,
-- so usage, cost and call history break down by it.
create table apps (
    id          text primary key,
    account_id  text        not null,
    name        text        not null,
    created_at  timestamptz not null default now(),
    created_by  text        not null,
    disabled_at timestamptz,
    disabled_by text,
    unique (account_id, name)
);

-- A key bound to an app makes every request for that app and may not claim another.
alter table api_keys add column app_id text references apps (id);

-- Apps are cached per instance like keys: disabling one reaches every instance's cache at once.
create function notify_app_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('tollgate_auth', 'app:' || coalesce(new.id, old.id));
    return null;
end $$;

create trigger apps_changed
    after update of disabled_at, account_id on apps
    for each row execute function notify_app_change();
