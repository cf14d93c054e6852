-- Staff accounts, their sessions and the login throttle (issue 5, R26, R33);
-- the same meaning as migrations/mysql/006_accounts.sql.

-- A member of staff. password_hash is an argon2id encoded string; services
-- are the executor ids in scope, comma-separated (ids are slugs and are
-- checked against the executors table when written).
CREATE TABLE staff_users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  login         TEXT NOT NULL UNIQUE CHECK (login <> ''),
  name          TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL CHECK (role <> ''),
  services      TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- A signed-in browser: only the SHA-256 of the cookie's token is kept.
CREATE TABLE staff_sessions (
  token_hash     TEXT PRIMARY KEY,
  user_id        INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  csrf_token     TEXT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  last_seen_at   INTEGER NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Consecutive failed logins per login name and per client address.
CREATE TABLE login_throttle (
  throttle_key    TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL,
  blocked_until   INTEGER
);
