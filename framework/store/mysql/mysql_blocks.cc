// block_store.h on MySQL/MariaDB: residents blocked on a channel or
// everywhere (R30).
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;

namespace {

constexpr const char* kBlockCols =
    "resident_id, channel, reason, approved_by, blocked_by, blocked_at";

ResidentBlock ReadBlock(const sql::ResultSet& rs) {
  return ResidentBlock{Str(rs, 1), Str(rs, 2), Str(rs, 3),
                       Str(rs, 4), Str(rs, 5), FromUnix(rs.getInt64(6))};
}

}  // namespace

Result<ResidentBlock> MysqlStore::BlockResident(const ResidentBlock& block,
                                                const AuditEntry& audit) {
  bool exists = false;
  pool_->Transact("block resident", [&](Conn& c) {
    // INSERT IGNORE would also swallow a missing resident (the foreign key);
    // a locking read tells "already there" apart.
    auto& probe = c.Prepare(
        "SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel = ? FOR UPDATE");
    Binder(probe).Str(block.resident_id).Str(block.channel);
    ResultSetPtr rs(probe.executeQuery());
    if (rs->next()) {
      exists = true;
      return;
    }
    auto& st = c.Prepare(std::string("INSERT INTO resident_blocks (") + kBlockCols +
                         ") VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(block.resident_id)
        .Str(block.channel)
        .Str(block.reason)
        .Str(block.approved_by)
        .Str(block.blocked_by)
        .Time(block.blocked_at);
    st.executeUpdate();
    InsertAudit(c, audit);
  });
  if (exists)
    return Refuse("already_blocked", "resident is already blocked on '" + block.channel + "'");
  return block;
}

bool MysqlStore::UnblockResident(const std::string& resident_id, const std::string& channel,
                                 const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("unblock resident", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM resident_blocks WHERE resident_id = ? AND channel = ?");
    Binder(st).Str(resident_id).Str(channel);
    if (st.executeUpdate() == 0) return;
    found = true;
    InsertAudit(c, audit);
  });
  return found;
}

bool MysqlStore::IsResidentBlocked(const std::string& resident_id, const std::string& channel) {
  bool blocked = false;
  pool_->Run("is resident blocked", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel IN (?, 'all') LIMIT 1");
    Binder(st).Str(resident_id).Str(channel);
    ResultSetPtr rs(st.executeQuery());
    blocked = rs->next();
  });
  return blocked;
}

std::vector<ResidentBlock> MysqlStore::ListBlocks() {
  std::vector<ResidentBlock> out;
  pool_->Run("list blocks", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBlockCols +
                         " FROM resident_blocks ORDER BY blocked_at DESC, resident_id, channel");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadBlock(*rs));
  });
  return out;
}

}  // namespace vikno
