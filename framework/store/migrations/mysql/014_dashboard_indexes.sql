-- The same schema step as SQLite's 014 (the dashboard's overdue count grouped
-- in index order, residents of a scoped viewer counted from the index alone;
-- R27, issue 6). One ALTER, so the appeals table is never without the
-- scope's (lead_executor, created_at) index while it is rebuilt.
ALTER TABLE appeals
  DROP INDEX appeals_open_due,
  ADD INDEX appeals_open_lead_due (status, lead_executor, due_order),
  DROP INDEX appeals_lead_created,
  ADD INDEX appeals_lead_created (lead_executor, created_at, resident_id);
