-- A grant's source (ADMIN, PURCHASE, PROMOTION) and, for a purchase, the payment that paid for it, so that the
-- ledger and statements can show purchases. Lines written before stay null until the views are rebuilt.
alter table ledger_lines add column source text;
alter table ledger_lines add column reference text;
