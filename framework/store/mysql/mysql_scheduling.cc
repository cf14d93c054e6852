#include "store/mysql/mysql_internal.h"

#include <chrono>

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::WithEntityId;
using mysql_detail::InsertAudit;
using mysql_detail::kAppealCols;
using mysql_detail::ReadAppeal;
using mysql_detail::LoadExecutors;
using mysql_detail::FindAppealWhere;
using mysql_detail::NonFinalStatusList;

// --- Deadline watch (issue 3) ---

std::vector<Appeal> MysqlStore::ListAppealsDueForCheck(Timestamp now, int limit) {
  if (limit < 1)
    throw StoreError("mysql: due appeals: limit must be positive, got " + std::to_string(limit));
  std::vector<Appeal> out;
  pool_->Run("list appeals due for check", [&](Conn& c) {
    {
      // A range of appeals_next_check: NULL (no check) is never <= now.
      auto& st = c.Prepare(std::string("SELECT ") + kAppealCols +
                           " FROM appeals WHERE next_check_at <= ? ORDER BY next_check_at, id"
                           " LIMIT ?");
      Binder(st).Time(now).Int(limit);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) out.push_back(ReadAppeal(*rs));
    }
    LoadExecutors(c, out);
  });
  return out;
}

void MysqlStore::SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) {
  pool_->Run("set next check", [&](Conn& c) {
    auto& st = c.Prepare("UPDATE appeals SET next_check_at = ? WHERE id = ?");
    Binder(st).OptTime(at).Int(appeal_id);
    // CLIENT_FOUND_ROWS: a matched row counts even when the value is unchanged.
    if (st.executeUpdate() == 0)
      throw StoreError("mysql: no appeal " + std::to_string(appeal_id) +
                       " to set the next check of");
  });
}

bool MysqlStore::RecordEscalationStep(int64_t appeal_id, const std::string& step,
                                      const AuditEntry& audit) {
  if (step.empty()) throw StoreError("mysql: an escalation step needs a name");
  bool recorded = false;
  pool_->Transact("record escalation step", [&](Conn& c) {
    recorded = false;
    // A plain INSERT, not INSERT IGNORE: IGNORE would also swallow the
    // foreign-key error of an unknown appeal. A duplicate (appeal, step) is
    // the one error that means "already fired"; the statement is rolled back
    // and the transaction commits nothing.
    auto& st = c.Prepare(
        "INSERT INTO appeal_escalation_steps (appeal_id, step, fired_at) VALUES (?, ?, ?)");
    Binder(st).Int(appeal_id).Str(step).Time(audit.at);
    try {
      st.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == 1062) return;  // ER_DUP_ENTRY
      throw;
    }
    InsertAudit(c, WithEntityId(audit, std::to_string(appeal_id)));
    recorded = true;
  });
  return recorded;
}

std::vector<std::string> MysqlStore::ListEscalationSteps(int64_t appeal_id) {
  std::vector<std::string> out;
  pool_->Run("list escalation steps", [&](Conn& c) {
    auto& st =
        c.Prepare("SELECT step FROM appeal_escalation_steps WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(Str(*rs, 1));
  });
  return out;
}

bool MysqlStore::AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                              std::chrono::seconds ttl) {
  if (name.empty() || holder.empty()) throw StoreError("mysql: a lease needs a name and a holder");
  bool held = false;
  // Two autocommit statements, not one transaction: hosts racing for a new
  // lease would otherwise deadlock on the row the INSERT created (each holds
  // its shared duplicate-key lock and waits for the other's to UPDATE). Each
  // statement alone is atomic, and the UPDATE decides.
  pool_->Run("acquire lease", [&](Conn& c) {
    {
      auto& st =
          c.Prepare("INSERT IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)");
      Binder(st).Str(name);
      st.executeUpdate();
    }
    // Taken when free (empty holder, expired) or extended when already ours.
    // CLIENT_FOUND_ROWS: 1 when the row matched, even if nothing changed.
    auto& st = c.Prepare(
        "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND"
        " (holder = ? OR holder = '' OR expires_at <= ?)");
    Binder(st).Str(holder).Time(now + ttl).Str(name).Str(holder).Time(now);
    held = st.executeUpdate() == 1;
  });
  return held;
}

void MysqlStore::ReleaseLease(const std::string& name, const std::string& holder) {
  pool_->Run("release lease", [&](Conn& c) {
    auto& st =
        c.Prepare("UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?");
    Binder(st).Str(name).Str(holder);
    st.executeUpdate();
  });
}

std::optional<Appeal> MysqlStore::FindOpenAppealAt(const std::string& category,
                                                   int64_t registry_id, Timestamp since) {
  std::optional<Appeal> out;
  pool_->Run("find open appeal at building", [&](Conn& c) {
    out = FindAppealWhere(c,
                          "registry_id = ? AND category = ? AND created_at >= ? AND status IN (" +
                              NonFinalStatusList() + ") ORDER BY created_at DESC, id DESC LIMIT 1",
                          [&](Binder& b) { b.Int(registry_id).Str(category).Time(since); });
  });
  return out;
}

}  // namespace vikno
