-- The same schema step as SQLite's 008: three appeal indexes that cost a
-- write on every create without serving a query the others do not.
-- * appeals_registry is the prefix of appeals_registry_category_created (002),
--   which answers the same "registry_id = ?" lookups;
-- * appeals_channel_created: a channel is a coarse filter (a handful of
--   values), so walking appeals_created and skipping other channels finds a
--   page of 50 quickly;
-- * appeals_closed serves only the daily retention purge, which may scan.
-- Keeping the version numbers of both dialects in step also keeps them
-- consecutive, which Migrate() records and the conformance suite checks.
ALTER TABLE appeals
  DROP INDEX appeals_registry,
  DROP INDEX appeals_channel_created,
  DROP INDEX appeals_closed;
