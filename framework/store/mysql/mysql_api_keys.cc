// api_key_store.h on MySQL/MariaDB: Open311 API keys, POST tokens and the
// appeal audit feed of servicerequestupdates (B1).
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::LastInsertId;
using mysql_detail::OptTime;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WithEntityId;

namespace {

constexpr const char* kKeyCols =
    "id, label, key_hash, created_by, created_at, revoked_at, revoked_by";

ApiKey ReadKey(const sql::ResultSet& rs) {
  return ApiKey{rs.getInt64(1),  Str(rs, 2), Str(rs, 3), Str(rs, 4), FromUnix(rs.getInt64(5)),
                OptTime(rs, 6), Str(rs, 7)};
}

constexpr const char* kFilingCols = "token, appeal_id, media_url, api_key_id, created_at";

Open311Filing ReadFiling(const sql::ResultSet& rs) {
  return Open311Filing{Str(rs, 1), rs.getInt64(2), Str(rs, 3), rs.getInt64(4),
                       FromUnix(rs.getInt64(5))};
}

}  // namespace

ApiKey MysqlStore::CreateApiKey(const ApiKey& key, const AuditEntry& audit) {
  ApiKey created = key;
  pool_->Transact("create api key", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO api_keys (label, key_hash, created_by, created_at, revoked_at, revoked_by) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(key.label)
        .Str(key.key_hash)
        .Str(key.created_by)
        .Time(key.created_at)
        .OptTime(key.revoked_at)
        .Str(key.revoked_by);
    st.executeUpdate();
    created.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(created.id)));
  });
  return created;
}

std::optional<ApiKey> MysqlStore::FindApiKeyByHash(const std::string& key_hash) {
  std::optional<ApiKey> out;
  pool_->Run("find api key", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kKeyCols + " FROM api_keys WHERE key_hash = ?");
    Binder(st).Str(key_hash);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadKey(*rs);
  });
  return out;
}

Result<ApiKey> MysqlStore::RevokeApiKey(int64_t id, const std::string& by, Timestamp at,
                                        const AuditEntry& audit) {
  std::optional<ApiKey> key;
  std::optional<Refusal> refused;
  pool_->Transact("revoke api key", [&](Conn& c) {
    key.reset();
    refused.reset();
    auto& probe =
        c.Prepare(std::string("SELECT ") + kKeyCols + " FROM api_keys WHERE id = ? FOR UPDATE");
    Binder(probe).Int(id);
    ResultSetPtr rs(probe.executeQuery());
    if (!rs->next()) {
      refused = Refusal{"not_found", "no API key " + std::to_string(id)};
      return;
    }
    key = ReadKey(*rs);
    if (!key->active()) {
      refused = Refusal{"already_revoked", "API key " + std::to_string(id) + " is already revoked"};
      return;
    }
    auto& st = c.Prepare("UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?");
    Binder(st).Time(at).Str(by).Int(id);
    st.executeUpdate();
    InsertAudit(c, WithEntityId(audit, std::to_string(id)));
  });
  if (refused) return *refused;
  key->revoked_at = at;
  key->revoked_by = by;
  return *key;
}

std::vector<ApiKey> MysqlStore::ListApiKeys() {
  std::vector<ApiKey> out;
  pool_->Run("list api keys", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kKeyCols + " FROM api_keys ORDER BY id DESC");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadKey(*rs));
  });
  return out;
}

void MysqlStore::RecordOpen311Filing(const Open311Filing& filing) {
  pool_->Transact("record open311 filing", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO open311_filings (token, appeal_id, media_url, api_key_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)");
    Binder(st)
        .Str(filing.token)
        .Int(filing.appeal_id)
        .Str(filing.media_url)
        .Int(filing.api_key_id)
        .Time(filing.created_at);
    st.executeUpdate();
  });
}

std::optional<Open311Filing> MysqlStore::FindOpen311FilingByToken(const std::string& token) {
  std::optional<Open311Filing> out;
  pool_->Run("find open311 filing by token", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kFilingCols +
                         " FROM open311_filings WHERE token = ?");
    Binder(st).Str(token);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadFiling(*rs);
  });
  return out;
}

std::optional<Open311Filing> MysqlStore::FindOpen311FilingByAppeal(int64_t appeal_id) {
  std::optional<Open311Filing> out;
  pool_->Run("find open311 filing by appeal", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kFilingCols +
                         " FROM open311_filings WHERE appeal_id = ?");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadFiling(*rs);
  });
  return out;
}

std::vector<AuditEntry> MysqlStore::ListAppealAuditBetween(Timestamp from, Timestamp to, int limit,
                                                           int offset) {
  std::vector<AuditEntry> out;
  pool_->Run("list appeal audit between", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, at, actor_id, actor_role, client_address, entity, entity_id, action, details "
        "FROM audit WHERE at >= ? AND at < ? AND entity = 'appeal' ORDER BY at, id "
        "LIMIT ? OFFSET ?");
    Binder(st).Time(from).Time(to).Int(limit).Int(offset);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(AuditEntry{rs->getInt64(1), FromUnix(rs->getInt64(2)), Str(*rs, 3),
                               Str(*rs, 4), Str(*rs, 5), Str(*rs, 6), Str(*rs, 7), Str(*rs, 8),
                               Str(*rs, 9)});
  });
  return out;
}

}  // namespace vikno
