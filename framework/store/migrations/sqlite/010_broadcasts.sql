-- Broadcasts, news and group alerts (R24, 000 §6.8, 001 §8, 004) and
-- surveys with their answers (R25, 000 §2.1). The messages themselves are
-- outbox rows (batch_id "broadcast:<id>" / "survey:<id>"); these tables hold
-- what staff wrote and whom it was for.

-- kind: message (000 §6.8), news "for residents' information" (001 §8),
-- alert (an emergency group alert by SMS, 004). The audience: channel ''
-- for every channel; street/house '' for everyone (else residents with a
-- saved address there, B3). queued_at is set by the fan-out's own
-- transaction: NULL means "created, never queued" and the host resumes it.
CREATE TABLE broadcasts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL CHECK (kind IN ('message', 'news', 'alert')),
  channel    TEXT NOT NULL DEFAULT '',
  street     TEXT NOT NULL DEFAULT '',
  house      TEXT NOT NULL DEFAULT '',
  emergency  INTEGER NOT NULL DEFAULT 0,
  text       TEXT NOT NULL CHECK (text <> ''),
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  queued_at  INTEGER,
  recipients INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX broadcasts_unqueued ON broadcasts (queued_at);

CREATE TABLE surveys (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  question   TEXT NOT NULL CHECK (question <> ''),
  channel    TEXT NOT NULL DEFAULT '',
  street     TEXT NOT NULL DEFAULT '',
  house      TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  queued_at  INTEGER,
  recipients INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX surveys_unqueued ON surveys (queued_at);

-- A survey's options in button order (position 0..N-1).
CREATE TABLE survey_options (
  survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  text      TEXT NOT NULL CHECK (text <> ''),
  PRIMARY KEY (survey_id, position)
);

-- One answer per resident (R25): the primary key refuses a second one.
CREATE TABLE survey_answers (
  survey_id   INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
  resident_id TEXT NOT NULL,
  option      INTEGER NOT NULL CHECK (option >= 0),
  channel     TEXT NOT NULL,
  answered_at INTEGER NOT NULL,
  PRIMARY KEY (survey_id, resident_id)
);
-- The panel lists ratings by period across services (000 §6.7).
CREATE INDEX ratings_created ON ratings (created_at);
