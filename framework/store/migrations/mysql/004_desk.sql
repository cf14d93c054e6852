-- The staff desk of issue 5, as migrations/sqlite/004_desk.sql: extension
-- requests name their approver (R16), the record of how the resident was told
-- (R17), the knowledge base and its consultations (R8, R13), and blocked
-- residents (R30).

-- R16: who must approve, as the city's extend() rule decided.
ALTER TABLE extension_requests ADD COLUMN approver VARCHAR(64) NOT NULL DEFAULT '';

-- R17 (002 §7.5-7.6): how and when the resident was told, by whom, and the
-- unit, person and phone that did the work.
CREATE TABLE appeal_informings (
  id              BIGINT NOT NULL AUTO_INCREMENT,
  appeal_id       BIGINT NOT NULL,
  how             VARCHAR(16) NOT NULL,
  informed_at     BIGINT NOT NULL,
  informed_by     VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  unit            VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  performer       VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  performer_phone VARCHAR(64) NOT NULL DEFAULT '',
  note            TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  recorded_by     VARCHAR(64) NOT NULL,
  recorded_at     BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY appeal_informings_appeal (appeal_id, id),
  CONSTRAINT appeal_informings_how_known
    CHECK (how IN ('phone', 'sms', 'email', 'messenger', 'letter', 'in_person')),
  CONSTRAINT appeal_informings_appeal_fk FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R8, R13: the knowledge base. Tags are kept one per line.
CREATE TABLE kb_entries (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  title      VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  body       TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  tags       TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  state_body VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  updated_by VARCHAR(64) NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT kb_entries_title_given CHECK (title <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R13: a caller answered from the knowledge base instead of an appeal.
CREATE TABLE consultations (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  resident_id VARCHAR(64) NOT NULL DEFAULT '',
  phone       VARCHAR(64) NOT NULL DEFAULT '',
  kb_id       BIGINT,
  note        TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  recorded_by VARCHAR(64) NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY consultations_phone (phone, id),
  KEY consultations_resident (resident_id, id),
  CONSTRAINT consultations_kb_fk FOREIGN KEY (kb_id) REFERENCES kb_entries (id)
    ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- R30: a resident blocked on one channel or on 'all'. One row per resident
-- and channel; the conversation's lookup is the primary key. Lifting a block
-- deletes the row; the audit keeps the history.
CREATE TABLE resident_blocks (
  resident_id VARCHAR(64) NOT NULL,
  channel     VARCHAR(32) NOT NULL,
  reason      TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  approved_by VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  blocked_by  VARCHAR(64) NOT NULL,
  blocked_at  BIGINT NOT NULL,
  PRIMARY KEY (resident_id, channel),
  KEY resident_blocks_at (blocked_at),
  CONSTRAINT resident_blocks_channel_given CHECK (channel <> ''),
  CONSTRAINT resident_blocks_reason_given CHECK (reason <> ''),
  CONSTRAINT resident_blocks_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
