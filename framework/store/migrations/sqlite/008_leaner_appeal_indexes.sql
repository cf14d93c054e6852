-- Every index on appeals costs one more page written to the WAL on each
-- create, and on SQLite that page write is most of a create's cost (issue 2:
-- 5,000 creates/s on two cores). Three indexes did not earn it:
-- * appeals_registry is the prefix of appeals_registry_category_created (002),
--   which answers the same "registry_id = ?" lookups;
-- * appeals_channel_created: a channel is a coarse filter (a handful of
--   values), so walking appeals_created and skipping other channels finds a
--   page of 50 quickly;
-- * appeals_closed serves only the daily retention purge, which may scan.
DROP INDEX IF EXISTS appeals_registry;
DROP INDEX IF EXISTS appeals_channel_created;
DROP INDEX IF EXISTS appeals_closed;
