-- A moderator's list (one or a few services, R26) in creation order (issue 2:
-- a page of 50 from 1,000,000 in under 20 ms). 014 made appeals_lead_created
-- (lead_executor, created_at, resident_id) for the dashboard's resident count,
-- but resident_id between created_at and the primary key breaks the list's
-- (created_at, id) order, so MariaDB walked appeals_created instead, reading
-- each row for its executor (service + status + 90 days over 1,000,000 cards:
-- 16-30 ms, one service 5 ms). With id written out before resident_id the
-- entries are in the list's order and still hold resident_id for the count;
-- measured with the index beside the old one: 0.3-1.0 ms and 0.2 ms. One
-- index replaces one, so a create writes as many index entries. One ALTER,
-- so the table is never without the scope's index while it is rebuilt.
ALTER TABLE appeals
  DROP INDEX appeals_lead_created,
  ADD INDEX appeals_lead_created (lead_executor, created_at, id, resident_id);
