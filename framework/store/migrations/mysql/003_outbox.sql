-- Residents' channel bindings and the durable outbox (issue 4, B11, R23); the
-- same meaning as migrations/sqlite/003_outbox.sql.

-- Where a resident is reached: one chat per channel (Telegram chat id, Viber
-- user id, phone number for SMS, e-mail address). chat_id is text: Viber ids
-- and Telegram's int64 ids both fit. `subscribed` = 0 when the resident
-- blocked the bot or unsubscribed: nothing is sent there.
CREATE TABLE resident_channels (
  resident_id VARCHAR(64) NOT NULL,
  channel     VARCHAR(32) NOT NULL,
  chat_id     VARCHAR(255) NOT NULL,
  subscribed  TINYINT(1) NOT NULL DEFAULT 1,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (resident_id, channel),
  -- An incoming message names (channel, chat_id): whose is it?
  UNIQUE KEY resident_channels_chat (channel, chat_id),
  CONSTRAINT resident_channels_resident FOREIGN KEY (resident_id) REFERENCES residents (id)
    ON DELETE CASCADE,
  CONSTRAINT resident_channels_named CHECK (channel <> '' AND chat_id <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every message to a resident or to staff is a row first, then a send.
-- State: queued -> sending (claimed: claim_token, claim_expires_at) -> sent
-- (provider_message_id) | failed (permanent, failure reason in last_error); a
-- retry goes back to queued with a later next_attempt_at. A claim whose
-- sender died expires and the row is claimed again.
CREATE TABLE outbox (
  id                  BIGINT NOT NULL AUTO_INCREMENT,
  idempotency_key     VARCHAR(191) NOT NULL,
  channel             VARCHAR(32) NOT NULL,
  address             VARCHAR(255) NOT NULL DEFAULT '',
  recipient_kind      VARCHAR(16) NOT NULL,
  recipient_id        VARCHAR(64) NOT NULL,
  text_key            VARCHAR(191) NOT NULL,
  params              MEDIUMTEXT NOT NULL,
  appeal_id           BIGINT,
  batch_id            VARCHAR(64) NOT NULL DEFAULT '',
  priority            TINYINT NOT NULL,
  state               VARCHAR(8) NOT NULL,
  attempts            INT NOT NULL DEFAULT 0,
  next_attempt_at     BIGINT NOT NULL,
  claim_token         VARCHAR(64),
  claim_expires_at    BIGINT,
  provider_message_id VARCHAR(255),
  last_error          TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  sent_at             BIGINT,
  PRIMARY KEY (id),
  -- One row per key, ever: no resident gets the same notice twice.
  UNIQUE KEY outbox_key (idempotency_key),
  -- Claiming reads a range per (channel, priority) in send order: O(batch).
  KEY outbox_claim (state, channel, priority, next_attempt_at, id),
  -- Reclaiming the rows of a sender that died.
  KEY outbox_claim_expiry (state, claim_expires_at),
  -- Progress of a broadcast's fan-out, and of an appeal's messages.
  KEY outbox_batch (batch_id, channel, state),
  KEY outbox_appeal (appeal_id),
  CONSTRAINT outbox_keyed CHECK (idempotency_key <> ''),
  CONSTRAINT outbox_state CHECK (state IN ('queued', 'sending', 'sent', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
