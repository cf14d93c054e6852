-- The deadline watch of the scheduler (issue 3; R11, R12, R17, R20, B12);
-- the same meaning as migrations/sqlite/002_deadline_watch.sql.

-- When the scheduler next looks at an appeal: for a non-final status the
-- earliest of accept_due (while accepted_at is unset) and resolve_due; NULL
-- for final statuses and for appeals with no deadline. Every write of an
-- appeal sets it; the scheduler moves it on (SetNextCheck). Store-internal:
-- not a field of Appeal. The index makes a tick cost O(due).
ALTER TABLE appeals ADD COLUMN next_check_at BIGINT,
  ADD KEY appeals_next_check (next_check_at),
  -- R20 repeats: open appeals of a category at a building, newest first.
  ADD KEY appeals_registry_category_created (registry_id, category, created_at);
UPDATE appeals SET next_check_at = CASE
    WHEN status IN ('completed', 'rejected', 'cancelled') THEN NULL
    WHEN accepted_at IS NULL AND accept_due IS NOT NULL AND
         (resolve_due IS NULL OR accept_due < resolve_due) THEN accept_due
    ELSE resolve_due
  END;

-- Escalation steps that fired (002 §9.2.1 ladders), one row per appeal and
-- step, so a retried or concurrent tick never fires a step twice. They go
-- with the card when retention removes it.
CREATE TABLE appeal_escalation_steps (
  id        BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id BIGINT NOT NULL,
  step      VARCHAR(128) NOT NULL,
  fired_at  BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY appeal_escalation_steps_step (appeal_id, step),
  CONSTRAINT appeal_escalation_steps_appeal FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE,
  CONSTRAINT appeal_escalation_steps_named CHECK (step <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Named leases among several hosts (B12): e.g. the one scheduler that ticks.
-- An empty holder is a free lease.
CREATE TABLE leases (
  name       VARCHAR(128) NOT NULL,
  holder     VARCHAR(255) NOT NULL DEFAULT '',
  expires_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
