-- Events as the panel keeps them (issue 6, R22/R23): revisions so an edit
-- sends one correction per revision, the administrator's reason for a
-- planned event published less than 24 h ahead (000 §4.2), the end of works
-- announced once (survives a restart), and soft deletion: a deleted event
-- leaves the lists and the conversation but stays for the audit (R33).
-- Numbered 009 as in the SQLite dialect (which has an 008 of its own).
ALTER TABLE events
  ADD COLUMN revision INT NOT NULL DEFAULT 1,
  ADD COLUMN updated_by VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN short_notice_reason VARCHAR(1000) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  ADD COLUMN end_announced_at BIGINT,
  ADD COLUMN deleted_at BIGINT,
  ADD COLUMN deleted_by VARCHAR(64) NOT NULL DEFAULT '';
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
  WHERE ends_at IS NOT NULL AND ends_at <= UNIX_TIMESTAMP();
