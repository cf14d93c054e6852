-- Open311 GeoReport v2 (B1, issue 8): API keys issued by an administrator and
-- the tokens POST requests answers with; the same meaning as
-- migrations/sqlite/012_api_keys.sql.

-- A civic app's key: only the SHA-256 of the secret is kept (shown once).
CREATE TABLE api_keys (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  label       VARCHAR(255) NOT NULL,
  key_hash    CHAR(64) NOT NULL,
  created_by  VARCHAR(191) NOT NULL,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT,
  revoked_by  VARCHAR(191) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY api_keys_hash (key_hash),
  CONSTRAINT api_keys_label_given CHECK (label <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An appeal filed through POST requests: its token, the client's media URL
-- and the key that filed it; removed with the appeal by retention (R32).
CREATE TABLE open311_filings (
  token      VARCHAR(64) NOT NULL,
  appeal_id  BIGINT NOT NULL,
  media_url  TEXT NOT NULL,
  api_key_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (token),
  UNIQUE KEY open311_filings_appeal (appeal_id),
  CONSTRAINT open311_filings_appeal FOREIGN KEY (appeal_id) REFERENCES appeals (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
