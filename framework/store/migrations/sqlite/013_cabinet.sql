-- The residents' web cabinet (issue 8; 002 §3.3-3.4): accounts, one-time
-- codes and sessions; the same meaning as migrations/mysql/013_cabinet.sql.

-- An account signs in with a verified e-mail (lower case) or phone (E.164).
-- login is NULL once erased (the delete request), so the address can sign up
-- again; NULLs do not collide under UNIQUE. Retention (R32) removing the
-- resident removes the account with it.
CREATE TABLE cabinet_accounts (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  login         TEXT UNIQUE CHECK (login IS NULL OR login <> ''),
  login_kind    TEXT NOT NULL CHECK (login_kind IN ('email', 'phone')),
  resident_id   TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
  password_hash TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  erased_at     INTEGER
);
CREATE INDEX cabinet_accounts_resident ON cabinet_accounts (resident_id);

-- The live one-time code of a login: only SHA-256(salt + code).
CREATE TABLE cabinet_codes (
  login             TEXT PRIMARY KEY CHECK (login <> ''),
  salt              TEXT NOT NULL,
  code_hash         TEXT NOT NULL,
  failed_attempts   INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  sends_in_window   INTEGER NOT NULL DEFAULT 0,
  window_started_at INTEGER NOT NULL
);

-- A signed-in browser: only the SHA-256 of the cookie's token is kept.
CREATE TABLE cabinet_sessions (
  token_hash     TEXT PRIMARY KEY,
  account_id     INTEGER NOT NULL REFERENCES cabinet_accounts (id) ON DELETE CASCADE,
  csrf_token     TEXT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  last_seen_at   INTEGER NOT NULL
);
CREATE INDEX cabinet_sessions_account ON cabinet_sessions (account_id);
