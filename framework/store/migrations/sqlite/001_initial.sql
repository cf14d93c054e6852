-- The first schema of the SQLite backend. Times are INTEGER unix seconds, UTC
-- (DESIGN.md, "Storage"). Empty strings, not NULL, stand for "not given" in
-- text columns; NULL is kept for optional times and numbers and for personal
-- data that was never given or has been erased (R31, R32).

-- Residents: an opaque id (000 §3.3, R4). Identity (name, phone, email) is all
-- NULL when not given or erased by retention; consent likewise (002 §5.2).
CREATE TABLE residents (
  id                   TEXT PRIMARY KEY,
  anonymous            INTEGER NOT NULL DEFAULT 0,
  name                 TEXT,
  phone                TEXT,
  email                TEXT,
  consent_given_at     INTEGER,
  consent_text_version TEXT,
  created_at           INTEGER NOT NULL
);
CREATE INDEX residents_phone ON residents (phone);
-- Retention looks for old residents without cards.
CREATE INDEX residents_created ON residents (created_at);

CREATE TABLE executors (
  id     TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  phone  TEXT NOT NULL DEFAULT '',
  email  TEXT NOT NULL DEFAULT '',
  head   TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1
);

-- The classifier tree (R9, 000 §7); ids are paths: "water/no-water".
CREATE TABLE categories (
  id          TEXT PRIMARY KEY,
  parent_id   TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL,
  executor_id TEXT NOT NULL DEFAULT '',
  type        TEXT NOT NULL DEFAULT ''
);

-- The city's address registry (R3). One row per building.
CREATE TABLE registry_addresses (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  city     TEXT NOT NULL,
  district TEXT NOT NULL DEFAULT '',
  street   TEXT NOT NULL,
  house    TEXT NOT NULL,
  lat      REAL,
  lon      REAL,
  UNIQUE (city, street, house)
);

-- The appeal card (R5). AUTOINCREMENT so an id, and the number derived from
-- it, is never given out twice even after retention deletes rows (R32).
CREATE TABLE appeals (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  number                TEXT UNIQUE,  -- set in the creating transaction
  type                  TEXT NOT NULL,
  category              TEXT NOT NULL,
  -- Denormalised first executor (appeal_executors position 0) for the scope
  -- filter of R26 and its index.
  lead_executor         TEXT NOT NULL DEFAULT '',
  registry_id           INTEGER,
  city                  TEXT NOT NULL DEFAULT '',
  district              TEXT NOT NULL DEFAULT '',
  street                TEXT NOT NULL DEFAULT '',
  house                 TEXT NOT NULL DEFAULT '',
  flat                  TEXT NOT NULL DEFAULT '',
  entrance              TEXT NOT NULL DEFAULT '',
  lat                   REAL,
  lon                   REAL,
  description           TEXT NOT NULL,
  channel               TEXT NOT NULL,
  resident_id           TEXT NOT NULL DEFAULT '',
  anonymous             INTEGER NOT NULL DEFAULT 0,
  status                TEXT NOT NULL,  -- StatusCode(): "new", "in_work"...
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  accept_due            INTEGER,
  resolve_due           INTEGER,
  -- resolve_due, or 253402300799 (9999-12-31) when there is none: "due
  -- soonest" and "overdue" read it from an index with undated appeals last.
  due_order             INTEGER NOT NULL,
  accepted_at           INTEGER,
  closed_at             INTEGER,
  repeat_of             INTEGER,
  commission_inspection INTEGER NOT NULL DEFAULT 0,
  version               INTEGER NOT NULL
);
-- One index per list filter of AppealQuery, each ending in the sort key, so a
-- page of 50 is read in order from an index instead of sorting (R28, R29).
CREATE INDEX appeals_created ON appeals (created_at);
CREATE INDEX appeals_status_created ON appeals (status, created_at);
CREATE INDEX appeals_lead_created ON appeals (lead_executor, created_at);
CREATE INDEX appeals_category_created ON appeals (category, created_at);
CREATE INDEX appeals_channel_created ON appeals (channel, created_at);
CREATE INDEX appeals_resident_created ON appeals (resident_id, created_at);
CREATE INDEX appeals_street_house ON appeals (street, house);
CREATE INDEX appeals_registry ON appeals (registry_id);
CREATE INDEX appeals_due ON appeals (due_order);
CREATE INDEX appeals_status_due ON appeals (status, due_order);
CREATE INDEX appeals_lead_due ON appeals (lead_executor, due_order);
CREATE INDEX appeals_closed ON appeals (closed_at);

-- Several executors per appeal, in order; position 0 is the lead (002 §7.2).
CREATE TABLE appeal_executors (
  appeal_id   INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  executor_id TEXT NOT NULL,
  PRIMARY KEY (appeal_id, position)
);
CREATE INDEX appeal_executors_executor ON appeal_executors (executor_id);

CREATE TABLE comments (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id           INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  author_id           TEXT NOT NULL,
  author_role         TEXT NOT NULL,
  text                TEXT NOT NULL,
  visible_to_resident INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL
);
CREATE INDEX comments_appeal ON comments (appeal_id, id);

-- File metadata; the bytes live in the data folder under their sha256.
CREATE TABLE attachments (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id     INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  sha256        TEXT NOT NULL,
  media_type    TEXT NOT NULL,
  size          INTEGER NOT NULL,
  original_name TEXT NOT NULL DEFAULT '',
  uploaded_by   TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_appeal ON attachments (appeal_id, id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

-- R33: who, what, when, from which address. The CHECK makes a malformed entry
-- fail the statement, and with it the transaction of the change it audits.
CREATE TABLE audit (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor_id       TEXT NOT NULL,
  actor_role     TEXT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  entity         TEXT NOT NULL CHECK (entity <> ''),
  entity_id      TEXT NOT NULL,
  action         TEXT NOT NULL CHECK (action <> ''),
  details        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_entity ON audit (entity, entity_id, id);
CREATE INDEX audit_at ON audit (at);

-- R16 (001 §6.4, 002 §8.2.2): deadline extension requests. Decision columns
-- are NULL while pending.
CREATE TABLE extension_requests (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id     INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  proposed_due  INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  requested_at  INTEGER NOT NULL,
  ordinal       INTEGER NOT NULL DEFAULT 1,
  state         TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by    TEXT,
  decided_at    INTEGER,
  decision_note TEXT
);
CREATE INDEX extension_requests_appeal ON extension_requests (appeal_id, id);
CREATE INDEX extension_requests_state ON extension_requests (state, requested_at);

-- R15 (001 §5.2, 002 §7.2): executor change requests.
CREATE TABLE executor_change_requests (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id         INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  from_executor     TEXT NOT NULL,
  proposed_executor TEXT NOT NULL DEFAULT '',
  reason            TEXT NOT NULL,
  requested_by      TEXT NOT NULL,
  requested_at      INTEGER NOT NULL,
  state             TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by        TEXT,
  decided_at        INTEGER,
  decision_note     TEXT
);
CREATE INDEX executor_change_requests_appeal ON executor_change_requests (appeal_id, id);
CREATE INDEX executor_change_requests_state ON executor_change_requests (state, requested_at);

-- R25: 1-5 ratings. They outlive the card (B8: statistics are kept when
-- retention removes the appeal), hence SET NULL.
CREATE TABLE ratings (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id   INTEGER REFERENCES appeals (id) ON DELETE SET NULL,
  resident_id TEXT NOT NULL DEFAULT '',
  executor_id TEXT NOT NULL DEFAULT '',
  score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment     TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE INDEX ratings_executor ON ratings (executor_id, created_at);
CREATE INDEX ratings_appeal ON ratings (appeal_id);

-- R22 (000 §6.5.2): planned and emergency works.
CREATE TABLE events (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  kind               TEXT NOT NULL CHECK (kind IN ('planned', 'emergency')),
  reason             TEXT NOT NULL,
  executor_id        TEXT NOT NULL DEFAULT '',
  starts_at          INTEGER NOT NULL,
  ends_at            INTEGER,
  end_is_approximate INTEGER NOT NULL DEFAULT 0,
  created_by         TEXT NOT NULL DEFAULT '',
  created_at         INTEGER NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);
CREATE INDEX events_ends ON events (ends_at);

-- The addresses an event covers, in order: a building, or a whole street
-- (house empty), down to the entrance (B3).
CREATE TABLE event_addresses (
  event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  registry_id INTEGER,
  city        TEXT NOT NULL DEFAULT '',
  district    TEXT NOT NULL DEFAULT '',
  street      TEXT NOT NULL DEFAULT '',
  house       TEXT NOT NULL DEFAULT '',
  flat        TEXT NOT NULL DEFAULT '',
  entrance    TEXT NOT NULL DEFAULT '',
  lat         REAL,
  lon         REAL,
  PRIMARY KEY (event_id, position)
);
-- B2/R23: which active events cover this building.
CREATE INDEX event_addresses_street_house ON event_addresses (street, house);
CREATE INDEX event_addresses_registry ON event_addresses (registry_id);
