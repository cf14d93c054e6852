// block_store.h on SQLite: residents blocked on a channel or everywhere (R30).
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;

namespace {

constexpr const char* kBlockColumns =
    "resident_id, channel, reason, approved_by, blocked_by, blocked_at";

ResidentBlock ReadBlock(const Statement& s) {
  return ResidentBlock{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Time(5)};
}

}  // namespace

Result<ResidentBlock> SqliteStore::BlockResident(const ResidentBlock& block,
                                                 const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement s =
        w.Prepare("SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel = ?");
    s.Bind(block.resident_id).Bind(block.channel);
    if (s.Step())
      return Refuse("already_blocked", "resident is already blocked on '" + block.channel + "'");
  }
  Statement s = w.Prepare(std::string("INSERT INTO resident_blocks (") + kBlockColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(block.resident_id)
      .Bind(block.channel)
      .Bind(block.reason)
      .Bind(block.approved_by)
      .Bind(block.blocked_by)
      .Bind(block.blocked_at)
      .Run();
  InsertAudit(w, audit);
  tx.Commit();
  return block;
}

bool SqliteStore::UnblockResident(const std::string& resident_id, const std::string& channel,
                                  const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare("DELETE FROM resident_blocks WHERE resident_id = ? AND channel = ?");
  if (s.Bind(resident_id).Bind(channel).Run() == 0) return false;
  InsertAudit(w, audit);
  tx.Commit();
  return true;
}

bool SqliteStore::IsResidentBlocked(const std::string& resident_id, const std::string& channel) {
  ReadLease r = Read();
  // Two primary-key probes: this channel, and "all".
  Statement s = r->Prepare(
      "SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel IN (?, 'all') LIMIT 1");
  s.Bind(resident_id).Bind(channel);
  return s.Step();
}

std::vector<ResidentBlock> SqliteStore::ListBlocks() {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBlockColumns +
                           " FROM resident_blocks ORDER BY blocked_at DESC, resident_id, channel");
  std::vector<ResidentBlock> out;
  while (s.Step()) out.push_back(ReadBlock(s));
  return out;
}

}  // namespace vikno
