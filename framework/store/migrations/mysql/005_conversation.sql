-- The residents' conversation in the store (issue 4); the same meaning as
-- migrations/sqlite/005_conversation.sql.

CREATE TABLE dialogues (
  channel     VARCHAR(32) NOT NULL,
  chat_id     VARCHAR(255) NOT NULL,
  resident_id VARCHAR(64) NOT NULL DEFAULT '',
  state       MEDIUMTEXT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (channel, chat_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- B3: `building` is "r:<registry id>" or "a:<city>|<street>|<house>" (at
-- most 191 characters are compared; the rest of a longer name is cut).
CREATE TABLE resident_addresses (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  resident_id VARCHAR(64) NOT NULL,
  building    VARCHAR(191) NOT NULL,
  registry_id BIGINT,
  city        VARCHAR(255) NOT NULL DEFAULT '',
  district    VARCHAR(255) NOT NULL DEFAULT '',
  street      VARCHAR(255) NOT NULL DEFAULT '',
  house       VARCHAR(64) NOT NULL DEFAULT '',
  flat        VARCHAR(32) NOT NULL DEFAULT '',
  entrance    VARCHAR(32) NOT NULL DEFAULT '',
  lat         DOUBLE,
  lon         DOUBLE,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY resident_addresses_once (resident_id, building, flat, entrance),
  CONSTRAINT resident_addresses_resident FOREIGN KEY (resident_id) REFERENCES residents (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE inbound_messages (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  channel     VARCHAR(32) NOT NULL,
  provider_id VARCHAR(191) NOT NULL,
  payload     LONGTEXT NOT NULL,
  state       VARCHAR(8) NOT NULL,
  error       TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  handled_at  BIGINT,
  PRIMARY KEY (id),
  UNIQUE KEY inbound_messages_key (channel, provider_id),
  KEY inbound_messages_pending (state, id),
  KEY inbound_messages_received (received_at),
  CONSTRAINT inbound_messages_state CHECK (state IN ('pending', 'handled', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE outbox
  ADD COLUMN payload_json MEDIUMTEXT NULL,
  ADD COLUMN receipt VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN receipt_detail TEXT NULL,
  ADD COLUMN receipt_at BIGINT NULL,
  ADD KEY outbox_provider_message (channel, provider_message_id(191));
