-- The staff desk of issue 5: extension requests name their approver (R16),
-- the record of how the resident was told (R17), the knowledge base and its
-- consultations (R8, R13), and blocked residents (R30).

-- R16: who must approve, as the city's extend() rule decided; "head" or
-- "mayor" for a second extension (001 §6.4, 003 §3.3).
ALTER TABLE extension_requests ADD COLUMN approver TEXT NOT NULL DEFAULT '';

-- R17 (002 §7.5-7.6): how and when the resident was told, by whom, and the
-- unit, person and phone that did the work.
CREATE TABLE appeal_informings (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id       INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  how             TEXT NOT NULL
                  CHECK (how IN ('phone', 'sms', 'email', 'messenger', 'letter', 'in_person')),
  informed_at     INTEGER NOT NULL,
  informed_by     TEXT NOT NULL DEFAULT '',
  unit            TEXT NOT NULL DEFAULT '',
  performer       TEXT NOT NULL DEFAULT '',
  performer_phone TEXT NOT NULL DEFAULT '',
  note            TEXT NOT NULL DEFAULT '',
  recorded_by     TEXT NOT NULL,
  recorded_at     INTEGER NOT NULL
);
CREATE INDEX appeal_informings_appeal ON appeal_informings (appeal_id, id);

-- R8, R13: the knowledge base. Tags are kept one per line.
CREATE TABLE kb_entries (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  title      TEXT NOT NULL CHECK (title <> ''),
  body       TEXT NOT NULL,
  tags       TEXT NOT NULL DEFAULT '',
  state_body TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);

-- R13: a caller answered from the knowledge base instead of an appeal.
CREATE TABLE consultations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  resident_id TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  kb_id       INTEGER REFERENCES kb_entries (id) ON DELETE SET NULL,
  note        TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
);
CREATE INDEX consultations_phone ON consultations (phone, id);
CREATE INDEX consultations_resident ON consultations (resident_id, id);

-- R30: a resident blocked on one channel or on 'all'. One row per resident
-- and channel; the conversation's lookup is the primary key. Lifting a block
-- deletes the row; the audit keeps the history.
CREATE TABLE resident_blocks (
  resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
  channel     TEXT NOT NULL CHECK (channel <> ''),
  reason      TEXT NOT NULL CHECK (reason <> ''),
  approved_by TEXT NOT NULL DEFAULT '',
  blocked_by  TEXT NOT NULL,
  blocked_at  INTEGER NOT NULL,
  PRIMARY KEY (resident_id, channel)
);
CREATE INDEX resident_blocks_at ON resident_blocks (blocked_at);
