-- Request events the broker refused for their content (issue 13) go to dead_letters too (source 'request-log' for a
-- direct send, whose request was answered 503 and not charged; 'request-spill' for the republisher). They are
-- not in the event store, so the row carries what identifies them on the topic.
alter table dead_letters
    add column if not exists topic          text,
    add column if not exists account_id     text,
    add column if not exists lease_id       text,
    add column if not exists schema_version int;
