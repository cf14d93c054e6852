-- Residents' channel bindings and the durable outbox (issue 4, B11, R23).

-- Where a resident is reached: one chat per channel (Telegram chat id, Viber
-- user id, phone number for SMS, e-mail address). chat_id is text: Viber ids
-- and Telegram's int64 ids both fit. Written by the conversation; read by the
-- outbox to address a resident's notices. `subscribed` = 0 when the resident
-- blocked the bot or unsubscribed: nothing is sent there.
CREATE TABLE resident_channels (
  resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
  channel     TEXT NOT NULL CHECK (channel <> ''),
  chat_id     TEXT NOT NULL CHECK (chat_id <> ''),
  subscribed  INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (resident_id, channel)
);
-- An incoming message names (channel, chat_id): whose is it?
CREATE UNIQUE INDEX resident_channels_chat ON resident_channels (channel, chat_id);

-- Every message to a resident or to staff is a row first, then a send.
-- State: queued -> sending (claimed: claim_token, claim_expires_at) -> sent
-- (provider_message_id) | failed (permanent, failure_reason); a retry goes
-- back to queued with a later next_attempt_at. A claim whose sender died
-- expires and the row is claimed again.
CREATE TABLE outbox (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  -- One row per key, ever: no resident gets the same notice twice.
  idempotency_key     TEXT NOT NULL UNIQUE CHECK (idempotency_key <> ''),
  channel             TEXT NOT NULL,          -- "telegram", "viber", "email"...
  address             TEXT NOT NULL DEFAULT '',  -- chat id / e-mail address on the channel
  recipient_kind      TEXT NOT NULL,          -- resident, moderators, executor, executor_head
  recipient_id        TEXT NOT NULL,
  text_key            TEXT NOT NULL,
  params              TEXT NOT NULL DEFAULT '{}',  -- JSON object of the text's placeholders
  appeal_id           INTEGER,                -- no foreign key: the record outlives the card
  batch_id            TEXT NOT NULL DEFAULT '',  -- a broadcast's fan-out, '' otherwise
  priority            INTEGER NOT NULL,       -- 0 urgent (SOS, emergency), 1 normal, 2 bulk
  state               TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at     INTEGER NOT NULL,
  claim_token         TEXT,
  claim_expires_at    INTEGER,
  provider_message_id TEXT,
  last_error          TEXT NOT NULL DEFAULT '',  -- the reason of the last retry or the failure
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  sent_at             INTEGER
);
-- Claiming reads a range per (channel, priority) in send order: O(batch).
CREATE INDEX outbox_claim ON outbox (state, channel, priority, next_attempt_at, id);
-- Reclaiming the rows of a sender that died.
CREATE INDEX outbox_claim_expiry ON outbox (state, claim_expires_at);
-- Progress of a broadcast's fan-out, and of an appeal's messages.
CREATE INDEX outbox_batch ON outbox (batch_id, channel, state);
CREATE INDEX outbox_appeal ON outbox (appeal_id);
