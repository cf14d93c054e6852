// api_key_store.h on SQLite: Open311 API keys, POST tokens and the appeal
// audit feed of servicerequestupdates (B1).
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WithEntityId;

namespace {

constexpr const char* kKeyColumns =
    "id, label, key_hash, created_by, created_at, revoked_at, revoked_by";

ApiKey ReadKey(const Statement& s) {
  return ApiKey{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4), s.OptTime(5), s.Text(6)};
}

constexpr const char* kFilingColumns = "token, appeal_id, media_url, api_key_id, created_at";

Open311Filing ReadFiling(const Statement& s) {
  return Open311Filing{s.Text(0), s.Int(1), s.Text(2), s.Int(3), s.Time(4)};
}

}  // namespace

ApiKey SqliteStore::CreateApiKey(const ApiKey& key, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  w.Prepare(
       "INSERT INTO api_keys (label, key_hash, created_by, created_at, revoked_at, revoked_by) "
       "VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(key.label)
      .Bind(key.key_hash)
      .Bind(key.created_by)
      .Bind(key.created_at)
      .Bind(key.revoked_at)
      .Bind(key.revoked_by)
      .Run();
  ApiKey created = key;
  created.id = sqlite3_last_insert_rowid(w.db());
  InsertAudit(w, WithEntityId(audit, created.id));
  tx.Commit();
  return created;
}

std::optional<ApiKey> SqliteStore::FindApiKeyByHash(const std::string& key_hash) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE key_hash = ?");
  s.Bind(key_hash);
  if (!s.Step()) return std::nullopt;
  return ReadKey(s);
}

Result<ApiKey> SqliteStore::RevokeApiKey(int64_t id, const std::string& by, Timestamp at,
                                         const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  ApiKey key;
  {
    Statement s = w.Prepare(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE id = ?");
    s.Bind(id);
    if (!s.Step()) return Refuse("not_found", "no API key " + std::to_string(id));
    key = ReadKey(s);
  }
  if (!key.active())
    return Refuse("already_revoked", "API key " + std::to_string(id) + " is already revoked");
  w.Prepare("UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?")
      .Bind(at)
      .Bind(by)
      .Bind(id)
      .Run();
  InsertAudit(w, WithEntityId(audit, id));
  tx.Commit();
  key.revoked_at = at;
  key.revoked_by = by;
  return key;
}

std::vector<ApiKey> SqliteStore::ListApiKeys() {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kKeyColumns + " FROM api_keys ORDER BY id DESC");
  std::vector<ApiKey> out;
  while (s.Step()) out.push_back(ReadKey(s));
  return out;
}

void SqliteStore::RecordOpen311Filing(const Open311Filing& filing) {
  std::lock_guard lock(write_mutex_);
  writer_
      ->Prepare(
          "INSERT INTO open311_filings (token, appeal_id, media_url, api_key_id, created_at) "
          "VALUES (?, ?, ?, ?, ?)")
      .Bind(filing.token)
      .Bind(filing.appeal_id)
      .Bind(filing.media_url)
      .Bind(filing.api_key_id)
      .Bind(filing.created_at)
      .Run();
}

std::optional<Open311Filing> SqliteStore::FindOpen311FilingByToken(const std::string& token) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kFilingColumns +
                           " FROM open311_filings WHERE token = ?");
  s.Bind(token);
  if (!s.Step()) return std::nullopt;
  return ReadFiling(s);
}

std::optional<Open311Filing> SqliteStore::FindOpen311FilingByAppeal(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kFilingColumns +
                           " FROM open311_filings WHERE appeal_id = ?");
  s.Bind(appeal_id);
  if (!s.Step()) return std::nullopt;
  return ReadFiling(s);
}

std::vector<AuditEntry> SqliteStore::ListAppealAuditBetween(Timestamp from, Timestamp to,
                                                            int limit, int offset) {
  ReadLease r = Read();
  // audit_at (at) narrows the range; the entity test filters within it.
  Statement s = r->Prepare(
      "SELECT id, at, actor_id, actor_role, client_address, entity, entity_id, action, details "
      "FROM audit WHERE at >= ? AND at < ? AND entity = 'appeal' ORDER BY at, id LIMIT ? OFFSET ?");
  s.Bind(from).Bind(to).Bind(limit).Bind(offset);
  std::vector<AuditEntry> out;
  while (s.Step())
    out.push_back(AuditEntry{s.Int(0), s.Time(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5),
                             s.Text(6), s.Text(7), s.Text(8)});
  return out;
}

}  // namespace vikno
