-- 'charging': the request with this key is about to hold credit and may be billed. Such a row is never
-- run again by a retry once its owner stops renewing it (it died, or its outcome could not be stored):
-- whether it was billed is unknown, so the retry is refused (409) instead of charged a second time.
alter table idempotency_keys drop constraint idempotency_keys_state_check;
alter table idempotency_keys add constraint idempotency_keys_state_check
    check (state in ('in_progress', 'charging', 'completed'));
