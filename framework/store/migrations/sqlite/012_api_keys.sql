-- Open311 GeoReport v2 (B1, issue 8): API keys issued by an administrator and
-- the tokens POST requests answers with; the same meaning as
-- migrations/mysql/012_api_keys.sql.

-- A civic app's key: only the SHA-256 of the secret is kept (shown once).
CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  label       TEXT NOT NULL CHECK (label <> ''),
  key_hash    TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  revoked_by  TEXT NOT NULL DEFAULT ''
);

-- An appeal filed through POST requests: its token, the client's media URL
-- and the key that filed it; removed with the appeal by retention (R32).
CREATE TABLE open311_filings (
  token      TEXT PRIMARY KEY,
  appeal_id  INTEGER NOT NULL UNIQUE REFERENCES appeals (id) ON DELETE CASCADE,
  media_url  TEXT NOT NULL DEFAULT '',
  api_key_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
