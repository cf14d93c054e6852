-- Staff two-factor sign-in (B10): how far each session's sign-in got, each
-- user's TOTP secret and the one-time recovery codes; the same meaning as
-- migrations/sqlite/016_two_factor.sql.

-- "full", "second_factor" (password right, code still due) or "enrol" (the
-- role needs a second factor and has none). Existing sessions are full.
ALTER TABLE staff_sessions ADD COLUMN stage VARCHAR(16) NOT NULL DEFAULT 'full';

-- sealed_secret: http/totp.h Seal() (AES-256-GCM under the configured key, or
-- "plain:" when none is); last_step: the highest RFC 6238 time step a code was
-- accepted for, so a code is taken once.
CREATE TABLE staff_two_factor (
  user_id       BIGINT NOT NULL,
  sealed_secret VARCHAR(255) NOT NULL,
  enabled       TINYINT(1) NOT NULL DEFAULT 0,
  last_step     BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  enabled_at    BIGINT,
  PRIMARY KEY (user_id),
  CONSTRAINT staff_two_factor_user FOREIGN KEY (user_id) REFERENCES staff_users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Argon2id hashes of the recovery codes; a used code keeps its row (used_at).
CREATE TABLE staff_recovery_codes (
  id        BIGINT NOT NULL AUTO_INCREMENT,
  user_id   BIGINT NOT NULL,
  code_hash VARCHAR(255) NOT NULL,
  used_at   BIGINT,
  PRIMARY KEY (id),
  KEY staff_recovery_codes_user (user_id),
  CONSTRAINT staff_recovery_codes_user FOREIGN KEY (user_id) REFERENCES staff_users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
