-- The first schema of the MySQL/MariaDB backend: the same tables, columns,
-- constraints and list indices as migrations/sqlite/001_initial.sql, in the
-- MySQL dialect. Times are BIGINT unix seconds, UTC (DESIGN.md, "Storage").
-- Empty strings, not NULL, stand for "not given" in text columns; NULL is kept
-- for optional times and numbers and for personal data that was never given
-- or has been erased (R31, R32).
--
-- InnoDB for transactions and foreign keys; utf8mb4 for all of Ukrainian and
-- emoji. Tables compare with utf8mb4_bin, like SQLite's default, so ids, codes,
-- statuses and the registry's street names match exactly (a filter on
-- "Соборна" does not match "соборна"); free text that people read and search
-- (names, descriptions, comments) uses utf8mb4_unicode_ci.
-- Lengths: ids and codes 64, streets 255, houses/flats/entrances 32; strict
-- sql_mode (set per session by the store) makes a longer value an error, never
-- a silent truncation.
-- MariaDB >= 10.2.4 and MySQL >= 8.0 persist AUTO_INCREMENT across restarts,
-- so an id (and the number derived from it) is never given out twice even
-- after retention deletes the newest rows (R32); both enforce CHECK.

-- Residents: an opaque id (000 §3.3, R4). Identity (name, phone, email) is all
-- NULL when not given or erased by retention; consent likewise (002 §5.2).
CREATE TABLE residents (
  id                   VARCHAR(64) NOT NULL,
  anonymous            TINYINT(1) NOT NULL DEFAULT 0,
  name                 VARCHAR(255) COLLATE utf8mb4_unicode_ci,
  phone                VARCHAR(64),
  email                VARCHAR(255),
  consent_given_at     BIGINT,
  consent_text_version VARCHAR(64),
  created_at           BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY residents_phone (phone),
  -- Retention looks for old residents without cards.
  KEY residents_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE executors (
  id     VARCHAR(64) NOT NULL,
  name   VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  phone  VARCHAR(64) NOT NULL DEFAULT '',
  email  VARCHAR(255) NOT NULL DEFAULT '',
  head   VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  active TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The classifier tree (R9, 000 §7); ids are paths: "water/no-water".
CREATE TABLE categories (
  id          VARCHAR(191) NOT NULL,
  parent_id   VARCHAR(191) NOT NULL DEFAULT '',
  name        VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  executor_id VARCHAR(64) NOT NULL DEFAULT '',
  type        VARCHAR(64) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The city's address registry (R3). One row per building.
CREATE TABLE registry_addresses (
  id       BIGINT NOT NULL AUTO_INCREMENT,
  city     VARCHAR(128) NOT NULL,
  district VARCHAR(128) NOT NULL DEFAULT '',
  street   VARCHAR(255) NOT NULL,
  house    VARCHAR(32) NOT NULL,
  lat      DOUBLE,
  lon      DOUBLE,
  PRIMARY KEY (id),
  UNIQUE KEY registry_addresses_building (city, street, house)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The appeal card (R5).
CREATE TABLE appeals (
  id                    BIGINT NOT NULL AUTO_INCREMENT,
  number                VARCHAR(64),  -- set in the creating transaction
  type                  VARCHAR(64) NOT NULL,
  category              VARCHAR(191) NOT NULL,
  -- Denormalised first executor (appeal_executors position 0) for the scope
  -- filter of R26 and its index.
  lead_executor         VARCHAR(64) NOT NULL DEFAULT '',
  registry_id           BIGINT,
  city                  VARCHAR(128) NOT NULL DEFAULT '',
  district              VARCHAR(128) NOT NULL DEFAULT '',
  street                VARCHAR(255) NOT NULL DEFAULT '',
  house                 VARCHAR(32) NOT NULL DEFAULT '',
  flat                  VARCHAR(32) NOT NULL DEFAULT '',
  entrance              VARCHAR(32) NOT NULL DEFAULT '',
  lat                   DOUBLE,
  lon                   DOUBLE,
  description           MEDIUMTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  channel               VARCHAR(32) NOT NULL,
  resident_id           VARCHAR(64) NOT NULL DEFAULT '',
  anonymous             TINYINT(1) NOT NULL DEFAULT 0,
  status                VARCHAR(32) NOT NULL,  -- StatusCode(): "new", "in_work"...
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL,
  accept_due            BIGINT,
  resolve_due           BIGINT,
  -- resolve_due, or 253402300799 (9999-12-31) when there is none: "due
  -- soonest" and "overdue" read it from an index with undated appeals last.
  due_order             BIGINT NOT NULL,
  accepted_at           BIGINT,
  closed_at             BIGINT,
  repeat_of             BIGINT,
  commission_inspection TINYINT(1) NOT NULL DEFAULT 0,
  version               INT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY appeals_number (number),
  -- One index per list filter of AppealQuery, each ending in the sort key, so
  -- a page of 50 is read in order from an index instead of sorting (R28, R29).
  KEY appeals_created (created_at),
  KEY appeals_status_created (status, created_at),
  KEY appeals_lead_created (lead_executor, created_at),
  KEY appeals_category_created (category, created_at),
  KEY appeals_channel_created (channel, created_at),
  KEY appeals_resident_created (resident_id, created_at),
  KEY appeals_street_house (street, house),
  KEY appeals_registry (registry_id),
  KEY appeals_due (due_order),
  KEY appeals_status_due (status, due_order),
  KEY appeals_lead_due (lead_executor, due_order),
  KEY appeals_closed (closed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Several executors per appeal, in order; position 0 is the lead (002 §7.2).
CREATE TABLE appeal_executors (
  appeal_id   BIGINT NOT NULL,
  position    INT NOT NULL,
  executor_id VARCHAR(64) NOT NULL,
  PRIMARY KEY (appeal_id, position),
  KEY appeal_executors_executor (executor_id),
  CONSTRAINT appeal_executors_appeal FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE comments (
  id                  BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id           BIGINT NOT NULL,
  author_id           VARCHAR(64) NOT NULL,
  author_role         VARCHAR(32) NOT NULL,
  text                MEDIUMTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  visible_to_resident TINYINT(1) NOT NULL DEFAULT 0,
  created_at          BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY comments_appeal (appeal_id, id),
  CONSTRAINT comments_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- File metadata; the bytes live in the data folder under their sha256.
CREATE TABLE attachments (
  id            BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id     BIGINT NOT NULL,
  sha256        VARCHAR(128) NOT NULL,
  media_type    VARCHAR(127) NOT NULL,
  size          BIGINT NOT NULL,
  original_name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  uploaded_by   VARCHAR(64) NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY attachments_appeal (appeal_id, id),
  KEY attachments_sha256 (sha256),
  CONSTRAINT attachments_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R33: who, what, when, from which address. The CHECK makes a malformed entry
-- fail the statement, and with it the transaction of the change it audits.
CREATE TABLE audit (
  id             BIGINT NOT NULL AUTO_INCREMENT,
  at             BIGINT NOT NULL,
  actor_id       VARCHAR(64) NOT NULL,
  actor_role     VARCHAR(32) NOT NULL,
  client_address VARCHAR(64) NOT NULL DEFAULT '',
  entity         VARCHAR(64) NOT NULL,
  entity_id      VARCHAR(64) NOT NULL,
  action         VARCHAR(64) NOT NULL,
  details        MEDIUMTEXT NOT NULL,
  PRIMARY KEY (id),
  KEY audit_entity (entity, entity_id, id),
  KEY audit_at (at),
  CONSTRAINT audit_entity_given CHECK (entity <> ''),
  CONSTRAINT audit_action_given CHECK (action <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R16 (001 §6.4, 002 §8.2.2): deadline extension requests. Decision columns
-- are NULL while pending.
CREATE TABLE extension_requests (
  id            BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id     BIGINT NOT NULL,
  proposed_due  BIGINT NOT NULL,
  reason        TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  requested_by  VARCHAR(64) NOT NULL,
  requested_at  BIGINT NOT NULL,
  ordinal       INT NOT NULL DEFAULT 1,
  state         VARCHAR(16) NOT NULL DEFAULT 'pending',
  decided_by    VARCHAR(64),
  decided_at    BIGINT,
  decision_note TEXT COLLATE utf8mb4_unicode_ci,
  PRIMARY KEY (id),
  KEY extension_requests_appeal (appeal_id, id),
  KEY extension_requests_state (state, requested_at),
  CONSTRAINT extension_requests_state_known CHECK (state IN ('pending', 'approved', 'rejected')),
  CONSTRAINT extension_requests_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R15 (001 §5.2, 002 §7.2): executor change requests.
CREATE TABLE executor_change_requests (
  id                BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id         BIGINT NOT NULL,
  from_executor     VARCHAR(64) NOT NULL,
  proposed_executor VARCHAR(64) NOT NULL DEFAULT '',
  reason            TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  requested_by      VARCHAR(64) NOT NULL,
  requested_at      BIGINT NOT NULL,
  state             VARCHAR(16) NOT NULL DEFAULT 'pending',
  decided_by        VARCHAR(64),
  decided_at        BIGINT,
  decision_note     TEXT COLLATE utf8mb4_unicode_ci,
  PRIMARY KEY (id),
  KEY executor_change_requests_appeal (appeal_id, id),
  KEY executor_change_requests_state (state, requested_at),
  CONSTRAINT executor_change_requests_state_known
    CHECK (state IN ('pending', 'approved', 'rejected')),
  CONSTRAINT executor_change_requests_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R25: 1-5 ratings. They outlive the card (B8: statistics are kept when
-- retention removes the appeal), hence SET NULL.
CREATE TABLE ratings (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id   BIGINT,
  resident_id VARCHAR(64) NOT NULL DEFAULT '',
  executor_id VARCHAR(64) NOT NULL DEFAULT '',
  score       INT NOT NULL,
  comment     TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY ratings_executor (executor_id, created_at),
  KEY ratings_appeal (appeal_id),
  CONSTRAINT ratings_score_range CHECK (score BETWEEN 1 AND 5),
  CONSTRAINT ratings_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R22 (000 §6.5.2): planned and emergency works.
CREATE TABLE events (
  id                 BIGINT NOT NULL AUTO_INCREMENT,
  kind               VARCHAR(16) NOT NULL,
  reason             TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  executor_id        VARCHAR(64) NOT NULL DEFAULT '',
  starts_at          BIGINT NOT NULL,
  ends_at            BIGINT,
  end_is_approximate TINYINT(1) NOT NULL DEFAULT 0,
  created_by         VARCHAR(64) NOT NULL DEFAULT '',
  created_at         BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY events_starts (starts_at),
  KEY events_ends (ends_at),
  CONSTRAINT events_kind_known CHECK (kind IN ('planned', 'emergency'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The addresses an event covers, in order: a building, or a whole street
-- (house empty), down to the entrance (B3).
CREATE TABLE event_addresses (
  event_id    BIGINT NOT NULL,
  position    INT NOT NULL,
  registry_id BIGINT,
  city        VARCHAR(128) NOT NULL DEFAULT '',
  district    VARCHAR(128) NOT NULL DEFAULT '',
  street      VARCHAR(255) NOT NULL DEFAULT '',
  house       VARCHAR(32) NOT NULL DEFAULT '',
  flat        VARCHAR(32) NOT NULL DEFAULT '',
  entrance    VARCHAR(32) NOT NULL DEFAULT '',
  lat         DOUBLE,
  lon         DOUBLE,
  PRIMARY KEY (event_id, position),
  -- B2/R23: which active events cover this building.
  KEY event_addresses_street_house (street, house),
  KEY event_addresses_registry (registry_id),
  CONSTRAINT event_addresses_event_fk FOREIGN KEY (event_id) REFERENCES events (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
