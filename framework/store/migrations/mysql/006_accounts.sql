-- Staff accounts, their sessions and the login throttle (issue 5, R26, R33);
-- the same meaning as migrations/sqlite/006_accounts.sql.

-- A member of staff. password_hash is an argon2id encoded string; services
-- are the executor ids in scope, comma-separated (ids are slugs and are
-- checked against the executors table when written).
CREATE TABLE staff_users (
  id            BIGINT NOT NULL AUTO_INCREMENT,
  login         VARCHAR(191) NOT NULL,
  name          VARCHAR(255) NOT NULL DEFAULT '',
  role          VARCHAR(32) NOT NULL,
  services      TEXT NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  active        TINYINT(1) NOT NULL DEFAULT 1,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY staff_users_login (login),
  CONSTRAINT staff_users_login_given CHECK (login <> ''),
  CONSTRAINT staff_users_role_given CHECK (role <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A signed-in browser: only the SHA-256 of the cookie's token is kept.
CREATE TABLE staff_sessions (
  token_hash     CHAR(64) NOT NULL,
  user_id        BIGINT NOT NULL,
  csrf_token     VARCHAR(64) NOT NULL,
  client_address VARCHAR(64) NOT NULL DEFAULT '',
  created_at     BIGINT NOT NULL,
  last_seen_at   BIGINT NOT NULL,
  PRIMARY KEY (token_hash),
  KEY staff_sessions_user (user_id),
  CONSTRAINT staff_sessions_user FOREIGN KEY (user_id) REFERENCES staff_users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Consecutive failed logins per login name and per client address.
CREATE TABLE login_throttle (
  throttle_key    VARCHAR(255) NOT NULL,
  failures        INT NOT NULL,
  last_failure_at BIGINT NOT NULL,
  blocked_until   BIGINT,
  PRIMARY KEY (throttle_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
