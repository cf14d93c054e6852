-- The residents' web cabinet (issue 8; 002 §3.3-3.4): accounts, one-time
-- codes and sessions; the same meaning as migrations/sqlite/013_cabinet.sql.

-- An account signs in with a verified e-mail (lower case) or phone (E.164).
-- login is NULL once erased (the delete request), so the address can sign up
-- again; NULLs do not collide under UNIQUE. Retention (R32) removing the
-- resident removes the account with it.
CREATE TABLE cabinet_accounts (
  id            BIGINT NOT NULL AUTO_INCREMENT,
  login         VARCHAR(191),
  login_kind    VARCHAR(8) NOT NULL,
  resident_id   VARCHAR(64) NOT NULL,
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  erased_at     BIGINT,
  PRIMARY KEY (id),
  UNIQUE KEY cabinet_accounts_login (login),
  KEY cabinet_accounts_resident (resident_id),
  CONSTRAINT cabinet_accounts_login_given CHECK (login IS NULL OR login <> ''),
  CONSTRAINT cabinet_accounts_kind CHECK (login_kind IN ('email', 'phone')),
  CONSTRAINT cabinet_accounts_resident FOREIGN KEY (resident_id) REFERENCES residents (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The live one-time code of a login: only SHA-256(salt + code).
CREATE TABLE cabinet_codes (
  login             VARCHAR(191) NOT NULL,
  salt              VARCHAR(64) NOT NULL,
  code_hash         CHAR(64) NOT NULL,
  failed_attempts   INT NOT NULL DEFAULT 0,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL,
  sends_in_window   INT NOT NULL DEFAULT 0,
  window_started_at BIGINT NOT NULL,
  PRIMARY KEY (login),
  CONSTRAINT cabinet_codes_login_given CHECK (login <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A signed-in browser: only the SHA-256 of the cookie's token is kept.
CREATE TABLE cabinet_sessions (
  token_hash     CHAR(64) NOT NULL,
  account_id     BIGINT NOT NULL,
  csrf_token     VARCHAR(64) NOT NULL,
  client_address VARCHAR(64) NOT NULL DEFAULT '',
  created_at     BIGINT NOT NULL,
  last_seen_at   BIGINT NOT NULL,
  PRIMARY KEY (token_hash),
  KEY cabinet_sessions_account (account_id),
  CONSTRAINT cabinet_sessions_account FOREIGN KEY (account_id) REFERENCES cabinet_accounts (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
