-- Per-chat order of the outbox (R23): with several senders per channel, one
-- chat's replies must still leave in the order they were queued (the privacy
-- notice before the consent question). A row is claimed only when no older
-- row of its (channel, chat) is queued or sending; this index answers that
-- NOT EXISTS with one short range per claimed row.
CREATE INDEX outbox_chat_order ON outbox (channel, address, state, id);
