-- Issue 16 item 2: requests carry the app they were made for (RequestAccepted.appId, RequestRejected.appId; null
-- in events from before apps). Usage buckets gain the app as a dimension ('' for none, as for the other
-- dimensions), so that usage, cost and history break down by app; rows of the old shape are requests of no app,
-- exactly what a replay of the same log gives them.
alter table usage_hourly add column app_id text not null default '';
alter table usage_hourly drop constraint usage_hourly_pkey;
alter table usage_hourly add primary key (account_id, hour, api_key_id, app_id, provider, model);

alter table requests add column app_id text;
create index requests_by_account_app_time on requests (account_id, app_id, accepted_at desc, request_id desc)
    where app_id is not null;
