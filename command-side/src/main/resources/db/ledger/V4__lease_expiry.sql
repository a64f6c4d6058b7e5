-- Credit leases fall due too: a lease its instance did not give back is settled from the topic.
alter table expiry_schedule drop constraint expiry_schedule_kind_check;
alter table expiry_schedule add constraint expiry_schedule_kind_check check (kind in ('reservation', 'grant', 'lease'));
