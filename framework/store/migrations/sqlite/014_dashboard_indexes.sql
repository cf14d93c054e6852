-- The dashboard's two costly scans (R27, issue 6), measured in-process over a
-- year of 1,000,000 appeals (bench/dashboard_bench.cc). Both indexes replace
-- one of the same width, so an appeal write maintains as many indexes as
-- before.

-- Overdue per executor (002 §9.2.1): with due_order before lead_executor
-- (011's appeals_open_due) the 300,000 open entries below now came out in
-- deadline order and SQLite sorted them into a temporary b-tree to group by
-- executor (0.45-0.65 s of the dashboard's 0.7 s). With the executor first
-- each (status, executor) range below now is read in group order: no sort.
DROP INDEX appeals_open_due;
CREATE INDEX appeals_open_lead_due ON appeals (status, lead_executor, due_order);

-- Residents who appealed, for a viewer scoped to some services (R26): the
-- period's appeals of those executors were found in appeals_lead_created and
-- each table row read for its resident_id (100,000 rows over a year, 0.6-0.9
-- s). With resident_id in the index the count is answered from the index
-- alone; its (lead_executor, created_at) prefix still serves the list page's
-- scope filter.
DROP INDEX appeals_lead_created;
CREATE INDEX appeals_lead_created ON appeals (lead_executor, created_at, resident_id);
