-- Per-chat order of the outbox (R23); the same meaning as
-- migrations/sqlite/007_outbox_chat_order.sql: claiming checks that no older
-- row of the row's (channel, chat) is queued or sending.
CREATE INDEX outbox_chat_order ON outbox (channel, address, state, id);
