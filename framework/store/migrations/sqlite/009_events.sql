-- Events as the panel keeps them (issue 6, R22/R23): revisions so an edit
-- sends one correction per revision, the administrator's reason for a
-- planned event published less than 24 h ahead (000 §4.2), the end of works
-- announced once (survives a restart), and soft deletion: a deleted event
-- leaves the lists and the conversation but stays for the audit (R33).
ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN short_notice_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN end_announced_at INTEGER;
ALTER TABLE events ADD COLUMN deleted_at INTEGER;
ALTER TABLE events ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';
UPDATE events SET updated_at = created_at, updated_by = created_by;

-- The events page filters by service; the end-of-works job looks for ended,
-- unannounced events.
CREATE INDEX events_executor ON events (executor_id, starts_at);
CREATE INDEX events_end_announce ON events (end_announced_at, ends_at);

-- R23: the residents subscribed at an event's addresses, found from the
-- (few) event addresses to the saved ones.
CREATE INDEX resident_addresses_registry ON resident_addresses (registry_id);
CREATE INDEX resident_addresses_street_house ON resident_addresses (street, house);

-- Events that ended before this migration were over before the end of works
-- was announced at all: do not announce them now.
UPDATE events SET end_announced_at = ends_at
  WHERE ends_at IS NOT NULL AND ends_at <= CAST(strftime('%s', 'now') AS INTEGER);
