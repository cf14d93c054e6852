-- The deadline watch of the scheduler (issue 3; R11, R12, R17, R20, B12).

-- When the scheduler next looks at an appeal: for a non-final status the
-- earliest of accept_due (while accepted_at is unset) and resolve_due; NULL
-- for final statuses and for appeals with no deadline. Every write of an
-- appeal sets it; the scheduler moves it on (SetNextCheck). Store-internal:
-- not a field of Appeal. The index makes a tick cost O(due): NULLs are never
-- in the range "<= now".
ALTER TABLE appeals ADD COLUMN next_check_at INTEGER;
UPDATE appeals SET next_check_at = CASE
    WHEN status IN ('completed', 'rejected', 'cancelled') THEN NULL
    WHEN accepted_at IS NULL AND accept_due IS NOT NULL AND
         (resolve_due IS NULL OR accept_due < resolve_due) THEN accept_due
    ELSE resolve_due
  END;
CREATE INDEX appeals_next_check ON appeals (next_check_at);

-- Escalation steps that fired (002 §9.2.1 ladders), one row per appeal and
-- step, so a retried or concurrent tick never fires a step twice. They go
-- with the card when retention removes it.
CREATE TABLE appeal_escalation_steps (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  step      TEXT NOT NULL CHECK (step <> ''),
  fired_at  INTEGER NOT NULL,
  UNIQUE (appeal_id, step)
);

-- Named leases among several hosts (B12): e.g. the one scheduler that ticks.
-- An empty holder is a free lease.
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL DEFAULT 0
);

-- R20 repeats: open appeals of a category at a building, newest first.
CREATE INDEX appeals_registry_category_created ON appeals (registry_id, category, created_at);
