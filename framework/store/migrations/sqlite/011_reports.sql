-- Reports (R21, R27, R29): the dashboard's covering index and the record of
-- scheduled report runs.

-- The dashboard counts a period's appeals by status and by classifier branch
-- (R27) with one pass over this index in its own order: no sort, no table
-- row read, scope (lead_executor) checked in the index. A year of a city
-- (1,000,000 appeals) answers well under 300 ms (bench/dashboard_bench.cc).
CREATE INDEX appeals_report ON appeals (status, category, lead_executor, created_at);
-- Overdue per executor (R27, 002 §9.2.1): the open statuses' range of
-- due_order below now, with the executor in the index: a year of open cards
-- is counted without reading one table row.
CREATE INDEX appeals_open_due ON appeals (status, due_order, lead_executor);

-- One row per scheduled report and period (R21: daily, weekly, monthly): a
-- host claims the period by inserting it, so two hosts or a restart never
-- make the same report twice and a period missed while down is made on
-- start. state: 'claimed' while being made, 'done' after; a claim whose host
-- died is taken over when stale.
CREATE TABLE report_runs (
  kind        TEXT NOT NULL CHECK (kind <> ''),
  period_from INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('claimed', 'done')),
  claimed_at  INTEGER NOT NULL,
  file        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, period_from)
);
