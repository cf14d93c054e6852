-- The appeals list filtered by a category branch AND a status (issue 2; see
-- the SQLite 015): status in the per-leaf index so it is tested on the index
-- entry (covered id query, index condition pushdown for the cards) instead of
-- on each clustered row. InnoDB appends the primary key after the last column
-- only, so id is written out before status to keep (created_at, id) order.
ALTER TABLE appeals
  DROP INDEX appeals_category_created,
  ADD INDEX appeals_category_created (category, created_at, id, status);
