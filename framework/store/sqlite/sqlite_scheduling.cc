#include "store/sqlite/sqlite_internal.h"

#include <chrono>

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::ReadAppealRow;
using sqlite_detail::LoadExecutors;
using sqlite_detail::InsertAudit;
using sqlite_detail::WithEntityId;
using sqlite_detail::FinalStatusCodes;
using sqlite_detail::Placeholders;
using sqlite_detail::kAppealColumns;

// ---------------------------------------------------------------------------
// Deadline watch (issue 3)

std::vector<Appeal> SqliteStore::ListAppealsDueForCheck(Timestamp now, int limit) {
  if (limit < 1) throw StoreError("due appeals: limit must be positive, got " + std::to_string(limit));
  ReadLease r = Read();
  std::vector<Appeal> out;
  {
    // A range of appeals_next_check: NULL (no check) is never <= now.
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns +
                             " FROM appeals WHERE next_check_at <= ? ORDER BY next_check_at, id "
                             "LIMIT ?");
    s.Bind(now).Bind(static_cast<int64_t>(limit));
    while (s.Step()) out.push_back(ReadAppealRow(s));
  }
  for (Appeal& a : out) LoadExecutors(*r, a);
  return out;
}

void SqliteStore::SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare("UPDATE appeals SET next_check_at = ? WHERE id = ?");
  if (s.Bind(at).Bind(appeal_id).Run() == 0)
    throw StoreError("sqlite: no appeal " + std::to_string(appeal_id) + " to set the next check of");
}

bool SqliteStore::RecordEscalationStep(int64_t appeal_id, const std::string& step,
                                       const AuditEntry& audit) {
  if (step.empty()) throw StoreError("sqlite: an escalation step needs a name");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    // DO NOTHING only for the (appeal, step) key: an unknown appeal still
    // fails its foreign key.
    Statement s = w.Prepare(
        "INSERT INTO appeal_escalation_steps (appeal_id, step, fired_at) VALUES (?, ?, ?) "
        "ON CONFLICT (appeal_id, step) DO NOTHING");
    if (s.Bind(appeal_id).Bind(step).Bind(audit.at).Run() == 0) return false;  // rolls back
  }
  InsertAudit(w, WithEntityId(audit, appeal_id));
  tx.Commit();
  return true;
}

std::vector<std::string> SqliteStore::ListEscalationSteps(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare("SELECT step FROM appeal_escalation_steps WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<std::string> out;
  while (s.Step()) out.push_back(s.Text(0));
  return out;
}

bool SqliteStore::AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                               std::chrono::seconds ttl) {
  if (name.empty() || holder.empty())
    throw StoreError("sqlite: a lease needs a name and a holder");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  w.Prepare("INSERT OR IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)")
      .Bind(name)
      .Run();
  // Taken when free (empty holder, expired) or extended when already ours.
  Statement s = w.Prepare(
      "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND "
      "(holder = ? OR holder = '' OR expires_at <= ?)");
  const bool held = s.Bind(holder).Bind(now + ttl).Bind(name).Bind(holder).Bind(now).Run() == 1;
  tx.Commit();
  return held;
}

void SqliteStore::ReleaseLease(const std::string& name, const std::string& holder) {
  std::lock_guard lock(write_mutex_);
  writer_->Prepare("UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?")
      .Bind(name)
      .Bind(holder)
      .Run();
}

std::optional<Appeal> SqliteStore::FindOpenAppealAt(const std::string& category,
                                                    int64_t registry_id, Timestamp since) {
  const auto finals = FinalStatusCodes();
  ReadLease r = Read();
  std::optional<Appeal> appeal;
  {
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns +
                             " FROM appeals WHERE registry_id = ? AND category = ? AND "
                             "created_at >= ? AND status NOT IN (" +
                             Placeholders(finals.size()) +
                             ") ORDER BY created_at DESC, id DESC LIMIT 1");
    s.Bind(registry_id).Bind(category).Bind(since);
    for (const auto& code : finals) s.Bind(code);
    if (!s.Step()) return std::nullopt;
    appeal = ReadAppealRow(s);
  }
  LoadExecutors(*r, *appeal);
  return appeal;
}

}  // namespace vikno
