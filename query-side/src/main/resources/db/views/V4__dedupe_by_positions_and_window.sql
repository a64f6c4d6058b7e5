-- De-duplication without a row per event (issue 12's replay target). I4 is now kept by the stored positions
-- (consumer_positions, written in each batch's transaction: a record before a stored position is never
-- applied again; the live consumer seeks there on start) plus an in-memory window of the last event ids of
-- each partition (DedupeWindow) for the at-least-once duplicates that arrive close behind their original.
drop table processed_events;

-- A duplicate farther back than the window is no longer refused by this index: it counts twice, in the
-- live views and in a replay alike (I3), and `tollgate audit` reports the lease or account it skews.
alter table ledger_lines drop constraint ledger_lines_event_id_key;
