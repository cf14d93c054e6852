#include "store/sqlite/sqlite_internal.h"

#include <string_view>

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::InsertAudit;
using sqlite_detail::FinalStatusCodes;
using sqlite_detail::Placeholders;

namespace {

// Minimal JSON string quoting for the retention audit details.
std::string JsonNumberField(std::string_view key, int64_t value) {
  return "\"" + std::string(key) + "\": " + std::to_string(value);
}

constexpr const char* kAuditColumns =
    "id, at, actor_id, actor_role, client_address, entity, entity_id, action, details";

AuditEntry ReadAuditEntry(const Statement& s) {
  return AuditEntry{s.Int(0),  s.Time(1), s.Text(2), s.Text(3), s.Text(4),
                    s.Text(5), s.Text(6), s.Text(7), s.Text(8)};
}

}  // namespace

// ---------------------------------------------------------------------------
// Audit

void SqliteStore::Audit(const AuditEntry& entry) {
  std::lock_guard lock(write_mutex_);
  InsertAudit(*writer_, entry);
}

std::vector<AuditEntry> SqliteStore::ListAudit(const std::string& entity,
                                               const std::string& entity_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAuditColumns +
                           " FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id");
  s.Bind(entity).Bind(entity_id);
  std::vector<AuditEntry> out;
  while (s.Step()) out.push_back(ReadAuditEntry(s));
  return out;
}

// ---------------------------------------------------------------------------
// Retention (R32, B8)

PurgeReport SqliteStore::PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // A connection-private scratch table of the cards to remove, so each step
  // below names the same set.
  w.Exec("CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)");
  w.Exec("CREATE TEMP TABLE IF NOT EXISTS purge_residents (id TEXT PRIMARY KEY)");
  Transaction tx(w);
  PurgeReport report;
  w.Prepare("DELETE FROM temp.purge_ids").Run();
  {
    const auto finals = FinalStatusCodes();
    Statement s = w.Prepare(
        "INSERT INTO temp.purge_ids (id) SELECT id FROM appeals WHERE closed_at < ? "
        "AND status IN (" +
        Placeholders(finals.size()) + ")");
    s.Bind(cutoff);
    for (const auto& code : finals) s.Bind(code);
    report.appeals = s.Run();
  }
  {
    // Files of removed cards that no remaining card refers to: the caller
    // deletes these; a file shared with a kept card stays.
    Statement s = w.Prepare(
        "SELECT DISTINCT a.sha256 FROM attachments a "
        "WHERE a.appeal_id IN (SELECT id FROM temp.purge_ids) AND NOT EXISTS ("
        "SELECT 1 FROM attachments b WHERE b.sha256 = a.sha256 "
        "AND b.appeal_id NOT IN (SELECT id FROM temp.purge_ids)) ORDER BY a.sha256");
    while (s.Step()) report.orphaned_files.push_back(s.Text(0));
  }
  // The cards' audit trail goes with them, whether it was written against the
  // appeal or against its comments and files.
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'appeal' AND entity_id IN "
       "(SELECT CAST(id AS TEXT) FROM temp.purge_ids)")
      .Run();
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'comment' AND entity_id IN (SELECT CAST(id AS TEXT) "
       "FROM comments WHERE appeal_id IN (SELECT id FROM temp.purge_ids))")
      .Run();
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'attachment' AND entity_id IN (SELECT CAST(id AS TEXT) "
       "FROM attachments WHERE appeal_id IN (SELECT id FROM temp.purge_ids))")
      .Run();
  // The residents of the removed cards, taken before the cards go: only they
  // can have lost their last card in this run.
  w.Prepare("DELETE FROM temp.purge_residents").Run();
  w.Prepare(
       "INSERT OR IGNORE INTO temp.purge_residents (id) SELECT resident_id FROM appeals "
       "WHERE id IN (SELECT id FROM temp.purge_ids) AND resident_id <> ''")
      .Run();
  // Executors, comments, attachments, requests and escalation steps follow by
  // ON DELETE CASCADE; ratings keep their score for statistics with the link
  // cleared (B8).
  w.Prepare("DELETE FROM appeals WHERE id IN (SELECT id FROM temp.purge_ids)").Run();
  {
    // B8: identity and consent go; the opaque id and the statistics stay. A
    // resident who never had a card is not touched: they may be a bot
    // subscriber who has not written an appeal yet.
    Statement s = w.Prepare(
        "UPDATE residents SET name = NULL, phone = NULL, email = NULL, consent_given_at = NULL, "
        "consent_text_version = NULL WHERE id IN (SELECT id FROM temp.purge_residents) AND "
        "(name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR "
        "consent_given_at IS NOT NULL OR consent_text_version IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM appeals a WHERE a.resident_id = residents.id)");
    report.residents = s.Run();
  }
  // R32: what the conversation keeps about the same residents goes too. Only
  // those left with no card: a resident who still has one keeps their chat.
  w.Prepare("DELETE FROM temp.purge_residents WHERE id IN (SELECT resident_id FROM appeals)").Run();
  report.dialogues =
      w.Prepare(
           "DELETE FROM dialogues WHERE resident_id IN (SELECT id FROM temp.purge_residents) OR "
           "(channel, chat_id) IN (SELECT channel, chat_id FROM resident_channels WHERE "
           "resident_id IN (SELECT id FROM temp.purge_residents))")
          .Run();
  report.addresses = w.Prepare(
                          "DELETE FROM resident_addresses WHERE resident_id IN "
                          "(SELECT id FROM temp.purge_residents)")
                         .Run();
  {
    // A message still held (pending) from one of their chats, taken before
    // the cutoff: a newer one is live input and is handled, not erased.
    Statement s = w.Prepare(
        "DELETE FROM inbound_messages WHERE received_at < ? AND payload <> '' AND "
        "(channel, CASE WHEN json_valid(payload) THEN json_extract(payload, '$.chat_id') END) IN "
        "(SELECT channel, chat_id FROM resident_channels WHERE resident_id IN "
        "(SELECT id FROM temp.purge_residents))");
    s.Bind(cutoff);
    report.inbound = s.Run();
  }
  {
    Statement s = w.Prepare(
        "UPDATE consultations SET phone = '' WHERE recorded_at < ? AND phone <> ''");
    s.Bind(cutoff);
    report.consultation_phones = s.Run();
  }
  w.Prepare("DELETE FROM temp.purge_ids").Run();
  w.Prepare("DELETE FROM temp.purge_residents").Run();

  AuditEntry e = audit;
  if (e.entity.empty()) e.entity = "retention";
  e.details =
      "{" + JsonNumberField("cutoff", ToUnix(cutoff)) + ", " +
      JsonNumberField("appeals", report.appeals) + ", " +
      JsonNumberField("residents", report.residents) + ", " +
      JsonNumberField("orphaned_files", static_cast<int64_t>(report.orphaned_files.size())) +
      ", " + JsonNumberField("dialogues", report.dialogues) + ", " +
      JsonNumberField("addresses", report.addresses) + ", " +
      JsonNumberField("inbound", report.inbound) + ", " +
      JsonNumberField("consultation_phones", report.consultation_phones) + "}";
  InsertAudit(w, e);
  tx.Commit();
  return report;
}

}  // namespace vikno
