-- The directory of services (R8): the city's Lua rules declare each
-- service with its phone, e-mail and head, and the host writes them at every
-- start; an administrator corrects a phone in the panel. Until now the next
-- start wrote the Lua values back over that correction. The time of the
-- panel's last edit marks the contacts as the panel's: a start still updates
-- the name and the active flag, and the contacts of services never edited in
-- the panel (store/catalog_store.h, UpsertExecutor).
ALTER TABLE executors ADD COLUMN contacts_edited_at INTEGER;
