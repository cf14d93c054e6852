-- Reports (R21, R27, R29); the same meaning as migrations/sqlite/011_reports.sql:
-- the dashboard's covering index and the record of scheduled report runs.
CREATE INDEX appeals_report ON appeals (status, category, lead_executor, created_at);
CREATE INDEX appeals_open_due ON appeals (status, due_order, lead_executor);

CREATE TABLE report_runs (
  kind        VARCHAR(32) NOT NULL,
  period_from BIGINT NOT NULL,
  state       VARCHAR(16) NOT NULL,
  claimed_at  BIGINT NOT NULL,
  file        VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (kind, period_from),
  CONSTRAINT report_runs_kind CHECK (kind <> ''),
  CONSTRAINT report_runs_state CHECK (state IN ('claimed', 'done'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
