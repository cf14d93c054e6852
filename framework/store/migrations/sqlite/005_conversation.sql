-- The residents' conversation in the store (issue 4): each chat's dialogue
-- state, residents' saved addresses (B3), the intake record that makes
-- channel intake idempotent, and outbox rows that carry a whole rendered
-- message (the conversation's replies, with their buttons) and the
-- provider's delivery receipts.

-- One dialogue per chat; the state is the conversation's JSON
-- (conversation/dialogue.h DialogueState), so a restart continues it.
CREATE TABLE dialogues (
  channel     TEXT NOT NULL,
  chat_id     TEXT NOT NULL,
  resident_id TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (channel, chat_id)
);

-- B3: a resident's addresses, oldest first. `building` names the building
-- ("r:<registry id>", or "a:<city>|<street>|<house>" for an address outside
-- the registry) so the same building, flat and entrance are kept once.
CREATE TABLE resident_addresses (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
  building    TEXT NOT NULL,
  registry_id INTEGER,
  city        TEXT NOT NULL DEFAULT '',
  district    TEXT NOT NULL DEFAULT '',
  street      TEXT NOT NULL DEFAULT '',
  house       TEXT NOT NULL DEFAULT '',
  flat        TEXT NOT NULL DEFAULT '',
  entrance    TEXT NOT NULL DEFAULT '',
  lat         REAL,
  lon         REAL,
  created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX resident_addresses_once
  ON resident_addresses (resident_id, building, flat, entrance);

-- Idempotent intake (DESIGN.md: a webhook's provider id makes intake
-- idempotent): one row per (channel, provider id), written before the
-- channel is told "taken". `payload` holds the message until it is handled
-- (a host that stopped or died in between handles it at its next start),
-- then it is emptied; the key stays for the retention period, so a
-- re-delivered update never creates a second appeal.
CREATE TABLE inbound_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  channel     TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  payload     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('pending', 'handled', 'failed')),
  error       TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL,
  handled_at  INTEGER,
  UNIQUE (channel, provider_id)
);
CREATE INDEX inbound_messages_pending ON inbound_messages (state, id);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

-- A message rendered when queued (text + keyboard as JSON, outbox/payload.h);
-- '' = render text_key with params at send time, as before.
ALTER TABLE outbox ADD COLUMN payload_json TEXT NOT NULL DEFAULT '';
-- The provider's later word on a sent message: delivered, read, failed.
ALTER TABLE outbox ADD COLUMN receipt TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN receipt_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN receipt_at INTEGER;
CREATE INDEX outbox_provider_message ON outbox (channel, provider_message_id);
