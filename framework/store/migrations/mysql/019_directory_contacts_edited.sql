-- The directory's contacts edited in the panel are the panel's from then on
-- (the SQLite twin says why): a start's UpsertExecutor keeps them.
ALTER TABLE executors ADD COLUMN contacts_edited_at BIGINT NULL;
