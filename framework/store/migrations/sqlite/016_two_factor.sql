-- Staff two-factor sign-in (B10): how far each session's sign-in got, each
-- user's TOTP secret and the one-time recovery codes; the same meaning as
-- migrations/mysql/016_two_factor.sql.

-- "full", "second_factor" (password right, code still due) or "enrol" (the
-- role needs a second factor and has none). Existing sessions are full.
ALTER TABLE staff_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';

-- sealed_secret: http/totp.h Seal() (AES-256-GCM under the configured key, or
-- "plain:" when none is); last_step: the highest RFC 6238 time step a code was
-- accepted for, so a code is taken once.
CREATE TABLE staff_two_factor (
  user_id       INTEGER PRIMARY KEY REFERENCES staff_users (id) ON DELETE CASCADE,
  sealed_secret TEXT NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 0,
  last_step     INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  enabled_at    INTEGER
);

-- Argon2id hashes of the recovery codes; a used code keeps its row (used_at).
CREATE TABLE staff_recovery_codes (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id   INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at   INTEGER
);
CREATE INDEX staff_recovery_codes_user ON staff_recovery_codes (user_id);
