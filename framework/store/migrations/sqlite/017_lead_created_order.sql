-- The same schema step as MariaDB's (see migrations/mysql of this number): a
-- moderator's list (R26) in creation order wants appeals_lead_created in
-- (created_at, id) order, which 014's resident_id after created_at broke; id
-- written out before resident_id restores it and keeps the dashboard's
-- resident count answered from the index alone. One index replaces one.
DROP INDEX appeals_lead_created;
CREATE INDEX appeals_lead_created ON appeals (lead_executor, created_at, id, resident_id);

-- DROP INDEX took the old index's statistics with it (see 015): measure the
-- new one now.
ANALYZE appeals_lead_created;
