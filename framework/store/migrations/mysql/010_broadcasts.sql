-- Broadcasts, news and group alerts (R24) and surveys with their answers
-- (R25); the same meaning as migrations/sqlite/010_broadcasts.sql.

CREATE TABLE broadcasts (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  kind       VARCHAR(16) NOT NULL,
  channel    VARCHAR(32) NOT NULL DEFAULT '',
  street     VARCHAR(255) NOT NULL DEFAULT '',
  house      VARCHAR(64) NOT NULL DEFAULT '',
  emergency  TINYINT(1) NOT NULL DEFAULT 0,
  text       TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  created_by VARCHAR(64) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  queued_at  BIGINT,
  recipients BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY broadcasts_unqueued (queued_at),
  CONSTRAINT broadcasts_kind CHECK (kind IN ('message', 'news', 'alert')),
  CONSTRAINT broadcasts_text CHECK (text <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE surveys (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  question   TEXT COLLATE utf8mb4_unicode_ci NOT NULL,
  channel    VARCHAR(32) NOT NULL DEFAULT '',
  street     VARCHAR(255) NOT NULL DEFAULT '',
  house      VARCHAR(64) NOT NULL DEFAULT '',
  created_by VARCHAR(64) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  queued_at  BIGINT,
  recipients BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY surveys_unqueued (queued_at),
  CONSTRAINT surveys_question CHECK (question <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_options (
  survey_id BIGINT NOT NULL,
  position  INT NOT NULL,
  text      VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  PRIMARY KEY (survey_id, position),
  CONSTRAINT survey_options_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
    ON DELETE CASCADE,
  CONSTRAINT survey_options_text CHECK (text <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_answers (
  survey_id   BIGINT NOT NULL,
  resident_id VARCHAR(64) NOT NULL,
  `option`    INT NOT NULL,
  channel     VARCHAR(32) NOT NULL,
  answered_at BIGINT NOT NULL,
  PRIMARY KEY (survey_id, resident_id),
  CONSTRAINT survey_answers_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
    ON DELETE CASCADE,
  CONSTRAINT survey_answers_option CHECK (`option` >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ratings_created ON ratings (created_at);
