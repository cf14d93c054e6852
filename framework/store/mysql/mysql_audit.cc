#include "store/mysql/mysql_internal.h"

#include <algorithm>
#include <set>

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::kIdChunk;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::Placeholders;
using mysql_detail::InsertAudit;
using mysql_detail::FinalStatusList;

// --- Audit ---

void MysqlStore::Audit(const AuditEntry& entry) {
  pool_->Run("audit", [&](Conn& c) { InsertAudit(c, entry); });
}

std::vector<AuditEntry> MysqlStore::ListAudit(const std::string& entity,
                                              const std::string& entity_id) {
  std::vector<AuditEntry> out;
  pool_->Run("list audit", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, at, actor_id, actor_role, client_address, entity, entity_id, action, details "
        "FROM audit"
        " WHERE entity = ? AND entity_id = ? ORDER BY id");
    Binder(st).Str(entity).Str(entity_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(AuditEntry{rs->getInt64(1), FromUnix(rs->getInt64(2)), Str(*rs, 3), Str(*rs, 4),
                               Str(*rs, 5), Str(*rs, 6), Str(*rs, 7), Str(*rs, 8), Str(*rs, 9)});
  });
  return out;
}

// --- Retention ---

PurgeReport MysqlStore::PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) {
  PurgeReport report;
  pool_->Transact("purge closed appeals", [&](Conn& c) {
    report = PurgeReport{};
    std::vector<int64_t> ids;
    {
      // FOR UPDATE: a card being reopened right now waits for us, or we for it.
      auto& st = c.Prepare("SELECT id FROM appeals WHERE closed_at < ? AND status IN (" +
                           FinalStatusList() + ") ORDER BY id FOR UPDATE");
      Binder(st).Time(cutoff);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    }
    std::set<std::string> files;
    // The residents of the removed cards: only they can lose their last card
    // in this run (see the erasure below).
    std::set<std::string> residents;
    for (size_t from = 0; from < ids.size(); from += kIdChunk) {
      const size_t n = std::min(kIdChunk, ids.size() - from);
      const std::string in = "(" + Placeholders(n) + ")";
      {
        auto& st = c.Prepare(
            "SELECT DISTINCT resident_id FROM appeals WHERE resident_id <> '' AND id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        ResultSetPtr rs(st.executeQuery());
        while (rs->next()) residents.insert(Str(*rs, 1));
      }
      {
        auto& st = c.Prepare("SELECT DISTINCT sha256 FROM attachments WHERE appeal_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        ResultSetPtr rs(st.executeQuery());
        while (rs->next()) files.insert(Str(*rs, 1));
      }
      {
        // The cards' audit trail goes with them, whether it was written
        // against the appeal or against its comments and files.
        auto& st = c.Prepare("DELETE FROM audit WHERE entity = 'appeal' AND entity_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Str(std::to_string(ids[from + i]));
        st.executeUpdate();
      }
      for (const char* child : {"comment", "attachment"}) {
        const std::string table = std::string(child) + "s";
        auto& st =
            c.Prepare("DELETE audit FROM audit JOIN " + table + " x ON audit.entity = '" + child +
                      "' AND audit.entity_id = CAST(x.id AS CHAR) WHERE x.appeal_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        st.executeUpdate();
      }
      {
        // Comments, attachments' metadata, executors, requests and escalation
        // steps go by ON DELETE CASCADE; ratings keep their statistics
        // (SET NULL, B8).
        auto& st = c.Prepare("DELETE FROM appeals WHERE id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        report.appeals += st.executeUpdate();
      }
    }
    for (const std::string& sha : files) {
      auto& st = c.Prepare("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1");
      Binder(st).Str(sha);
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) report.orphaned_files.push_back(sha);
    }
    // R32: the residents whose cards this run removed and who have no card
    // left lose identity and consent; the opaque id stays so old statistics
    // still group by person. A resident who never had a card is not touched:
    // they may be a bot subscriber who has not written an appeal yet.
    const std::vector<std::string> owners(residents.begin(), residents.end());
    for (size_t from = 0; from < owners.size(); from += kIdChunk) {
      const size_t n = std::min(kIdChunk, owners.size() - from);
      auto& st = c.Prepare(
          "UPDATE residents r SET r.name = NULL, r.phone = NULL, r.email = NULL, "
          "r.consent_given_at = NULL, r.consent_text_version = NULL WHERE r.id IN (" +
          Placeholders(n) +
          ") AND (r.name IS NOT NULL OR r.phone IS NOT NULL OR r.email IS NOT NULL"
          " OR r.consent_given_at IS NOT NULL OR r.consent_text_version IS NOT NULL)"
          " AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.resident_id = r.id)");
      Binder b(st);
      for (size_t i = 0; i < n; ++i) b.Str(owners[from + i]);
      report.residents += st.executeUpdate();
    }
    // R32: what the conversation keeps about the same residents goes too.
    // Only those left with no card: a resident who still has one keeps their
    // chat. A pending intake record (a message still held) goes only when
    // taken before the cutoff: a newer one is live input and is handled.
    for (size_t from = 0; from < owners.size(); from += kIdChunk) {
      const size_t n = std::min(kIdChunk, owners.size() - from);
      const std::string in = "(" + Placeholders(n) + ")";
      std::vector<std::string> gone;
      {
        auto& st = c.Prepare("SELECT r.id FROM residents r WHERE r.id IN " + in +
                             " AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.resident_id = r.id)");
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Str(owners[from + i]);
        ResultSetPtr rs(st.executeQuery());
        while (rs->next()) gone.push_back(Str(*rs, 1));
      }
      if (gone.empty()) continue;
      const std::string ids = "(" + Placeholders(gone.size()) + ")";
      auto bind = [&](sql::PreparedStatement& st, int times) {
        Binder b(st);
        for (int k = 0; k < times; ++k)
          for (const auto& id : gone) b.Str(id);
        return b;
      };
      {
        auto& st = c.Prepare(
            "DELETE FROM dialogues WHERE resident_id IN " + ids +
            " OR (channel, chat_id) IN (SELECT channel, chat_id FROM resident_channels"
            " WHERE resident_id IN " + ids + ")");
        bind(st, 2);
        report.dialogues += st.executeUpdate();
      }
      {
        auto& st = c.Prepare("DELETE FROM resident_addresses WHERE resident_id IN " + ids);
        bind(st, 1);
        report.addresses += st.executeUpdate();
      }
      {
        auto& st = c.Prepare(
            "DELETE i FROM inbound_messages i JOIN resident_channels b ON b.channel = i.channel"
            " AND b.chat_id = CASE WHEN JSON_VALID(i.payload) THEN"
            " JSON_UNQUOTE(JSON_EXTRACT(i.payload, '$.chat_id')) END"
            " WHERE b.resident_id IN " + ids + " AND i.payload <> '' AND i.received_at < ?");
        bind(st, 1).Time(cutoff);
        report.inbound += st.executeUpdate();
      }
    }
    {
      auto& st = c.Prepare(
          "UPDATE consultations SET phone = '' WHERE recorded_at < ? AND phone <> ''");
      Binder(st).Time(cutoff);
      report.consultation_phones = st.executeUpdate();
    }
    AuditEntry entry = audit;
    if (entry.entity.empty()) entry.entity = "retention";
    entry.details = "{\"cutoff\": " + std::to_string(ToUnix(cutoff)) +
                    ", \"appeals\": " + std::to_string(report.appeals) +
                    ", \"residents\": " + std::to_string(report.residents) +
                    ", \"orphaned_files\": " + std::to_string(report.orphaned_files.size()) +
                    ", \"dialogues\": " + std::to_string(report.dialogues) +
                    ", \"addresses\": " + std::to_string(report.addresses) +
                    ", \"inbound\": " + std::to_string(report.inbound) +
                    ", \"consultation_phones\": " +
                    std::to_string(report.consultation_phones) + "}";
    InsertAudit(c, entry);
  });
  return report;
}

}  // namespace vikno
