-- Global indexes follow commit order (issue 13), so that a tracking processor never skips an event.
--
-- Axon's processors read the store by global index and treat a missing index below one they have read as a
-- gap that may still fill; they stop looking for it once the events around it are older than the gap timeout
-- (60 s) or 10,000 indexes back. With indexes taken from a sequence at insert time, an append whose commit was
-- held up that long (a slow commit, a paused instance, a publisher catching up after an outage) was never
-- published, never projected and never expired.
--
-- Every insert now takes one transaction-scoped advisory lock before it takes its index, and PostgreSQL
-- releases that lock only after the commit is visible. So the next append takes a higher index only once
-- every lower one is either visible or rolled back: what a reader sees is always every committed event up to
-- the highest index it sees, and a gap below that is a rolled-back insert that will never fill. Appends of
-- account events (leases, grants, admin events; not requests) are serialised from their first insert to their
-- commit, which a group-commit batch amortises over its commands.
--
-- The lock has a two-part key like the expiry sweep's, a key space apart from the accounts' one-part keys; it is
-- taken after them (a batch locks its accounts before it appends), never before, so the two cannot deadlock.
-- The trigger assigns the index itself: a column default would be evaluated before any trigger runs. The
-- sequence must keep caching off (cache 1): a session-cached block of values would break the order.
alter table domain_event_entry alter column global_index drop default;
alter sequence domain_event_entry_seq cache 1;

create function domain_event_entry_take_global_index() returns trigger language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('tollgate.ledger'), hashtext('event-append'));
    new.global_index := nextval('ledger.domain_event_entry_seq');
    return new;
end
$$;

create trigger domain_event_entry_global_index_in_commit_order
    before insert on domain_event_entry
    for each row execute function domain_event_entry_take_global_index();
