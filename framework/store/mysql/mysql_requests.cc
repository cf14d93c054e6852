// request_store.h on MySQL/MariaDB: extension and executor change requests
// (R15, R16) and the record of informing the resident (R17).
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::LastInsertId;
using mysql_detail::OptInt;
using mysql_detail::OptStr;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WriteAppeal;

namespace {

RequestState ParseState(const std::string& code) {
  if (code == "approved") return RequestState::kApproved;
  if (code == "rejected") return RequestState::kRejected;
  return RequestState::kPending;
}

// Decision columns from `col` (1-based): state, decided_by, decided_at, decision_note.
void ReadDecision(const sql::ResultSet& rs, uint32_t col, RequestState* state,
                  std::optional<Decision>* decision) {
  *state = ParseState(Str(rs, col));
  if (!rs.isNull(col + 1))
    *decision = Decision{Str(rs, col + 1), FromUnix(rs.getInt64(col + 2)),
                         OptStr(rs, col + 3).value_or("")};
}

constexpr const char* kExtensionCols =
    "id, appeal_id, proposed_due, reason, requested_by, requested_at, ordinal, approver, state, "
    "decided_by, decided_at, decision_note";

ExtensionRequest ReadExtension(const sql::ResultSet& rs) {
  ExtensionRequest r;
  r.id = rs.getInt64(1);
  r.appeal_id = rs.getInt64(2);
  r.proposed_due = FromUnix(rs.getInt64(3));
  r.reason = Str(rs, 4);
  r.requested_by = Str(rs, 5);
  r.requested_at = FromUnix(rs.getInt64(6));
  r.ordinal = rs.getInt(7);
  r.approver = Str(rs, 8);
  ReadDecision(rs, 9, &r.state, &r.decision);
  return r;
}

constexpr const char* kChangeCols =
    "id, appeal_id, from_executor, proposed_executor, reason, requested_by, requested_at, state, "
    "decided_by, decided_at, decision_note";

ExecutorChangeRequest ReadChange(const sql::ResultSet& rs) {
  ExecutorChangeRequest r;
  r.id = rs.getInt64(1);
  r.appeal_id = rs.getInt64(2);
  r.from_executor = Str(rs, 3);
  r.proposed_executor = Str(rs, 4);
  r.reason = Str(rs, 5);
  r.requested_by = Str(rs, 6);
  r.requested_at = FromUnix(rs.getInt64(7));
  ReadDecision(rs, 8, &r.state, &r.decision);
  return r;
}

constexpr const char* kInformingCols =
    "id, appeal_id, how, informed_at, informed_by, unit, performer, performer_phone, note, "
    "recorded_by, recorded_at";

Informing ReadInforming(const sql::ResultSet& rs) {
  Informing i;
  i.id = rs.getInt64(1);
  i.appeal_id = rs.getInt64(2);
  i.how = Str(rs, 3);
  i.at = FromUnix(rs.getInt64(4));
  i.by = Str(rs, 5);
  i.unit = Str(rs, 6);
  i.performer = Str(rs, 7);
  i.performer_phone = Str(rs, 8);
  i.note = Str(rs, 9);
  i.recorded_by = Str(rs, 10);
  i.recorded_at = FromUnix(rs.getInt64(11));
  return i;
}

// Both decisions: lock the request row, refuse unless pending, write the
// appeal (a refusal there has written nothing), mark the request decided,
// audit. Every refusal comes before the first write, so the transaction
// commits nothing on a refusal.
template <class Request, class Reader>
Result<Request> Decide(mysql::Pool& pool, const char* table, const char* columns, Reader read,
                       int64_t id, bool approve, const Decision& decision,
                       const std::optional<Appeal>& appeal, const AuditEntry& audit) {
  std::optional<Refusal> refusal;
  std::optional<Request> out;
  pool.Transact("decide request", [&](Conn& c) {
    {
      auto& st = c.Prepare(std::string("SELECT state FROM ") + table + " WHERE id = ? FOR UPDATE");
      Binder(st).Int(id);
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) {
        refusal = Refuse("not_found", "request " + std::to_string(id) + " not found");
        return;
      }
      const std::string state = Str(*rs, 1);
      if (state != "pending") {
        refusal = Refuse("already_decided", "request " + std::to_string(id) + " was already " + state);
        return;
      }
    }
    if (appeal) {
      Result<Appeal> written = WriteAppeal(c, *appeal, audit);  // records `audit`
      if (!written) {
        refusal = written.refusal();
        return;
      }
    } else {
      InsertAudit(c, audit);
    }
    {
      auto& st = c.Prepare(std::string("UPDATE ") + table +
                           " SET state = ?, decided_by = ?, decided_at = ?, decision_note = ?"
                           " WHERE id = ?");
      Binder(st)
          .Str(approve ? "approved" : "rejected")
          .Str(decision.decided_by)
          .Time(decision.decided_at)
          .Str(decision.note)
          .Int(id);
      st.executeUpdate();
    }
    auto& st = c.Prepare(std::string("SELECT ") + columns + " FROM " + table + " WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    rs->next();
    out = read(*rs);
  });
  if (refusal) return *refusal;
  return std::move(*out);
}

template <class T, class Reader>
std::vector<T> ListByAppeal(mysql::Pool& pool, const char* what, const char* table,
                            const char* columns, Reader read, int64_t appeal_id) {
  std::vector<T> out;
  pool.Run(what, [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + columns + " FROM " + table +
                         " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(read(*rs));
  });
  return out;
}

template <class T, class Reader>
std::optional<T> FindById(mysql::Pool& pool, const char* what, const char* table,
                          const char* columns, Reader read, int64_t id) {
  std::optional<T> out;
  pool.Run(what, [&](Conn& c) {
    auto& st =
        c.Prepare(std::string("SELECT ") + columns + " FROM " + table + " WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = read(*rs);
  });
  return out;
}

}  // namespace

// --- Extension requests ---

ExtensionRequest MysqlStore::AddExtensionRequest(const ExtensionRequest& request,
                                                 const AuditEntry& audit) {
  ExtensionRequest out = request;
  pool_->Transact("add extension request", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO extension_requests (appeal_id, proposed_due, reason, requested_by, "
        "requested_at, ordinal, approver, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')");
    Binder(st)
        .Int(request.appeal_id)
        .Time(request.proposed_due)
        .Str(request.reason)
        .Str(request.requested_by)
        .Time(request.requested_at)
        .Int(request.ordinal)
        .Str(request.approver);
    st.executeUpdate();
    out.id = LastInsertId(c);
    InsertAudit(c, audit);
  });
  out.state = RequestState::kPending;
  out.decision.reset();
  return out;
}

std::optional<ExtensionRequest> MysqlStore::FindExtensionRequest(int64_t id) {
  return FindById<ExtensionRequest>(*pool_, "find extension request", "extension_requests",
                                    kExtensionCols, ReadExtension, id);
}

std::vector<ExtensionRequest> MysqlStore::ListExtensionRequests(int64_t appeal_id) {
  return ListByAppeal<ExtensionRequest>(*pool_, "list extension requests", "extension_requests",
                                        kExtensionCols, ReadExtension, appeal_id);
}

Result<ExtensionRequest> MysqlStore::DecideExtensionRequest(int64_t id, bool approve,
                                                            const Decision& decision,
                                                            const std::optional<Appeal>& appeal,
                                                            const AuditEntry& audit) {
  return Decide<ExtensionRequest>(*pool_, "extension_requests", kExtensionCols, ReadExtension, id,
                                  approve, decision, appeal, audit);
}

// --- Executor change requests ---

ExecutorChangeRequest MysqlStore::AddExecutorChangeRequest(const ExecutorChangeRequest& request,
                                                           const AuditEntry& audit) {
  ExecutorChangeRequest out = request;
  pool_->Transact("add executor change request", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO executor_change_requests (appeal_id, from_executor, proposed_executor, "
        "reason, requested_by, requested_at, state) VALUES (?, ?, ?, ?, ?, ?, 'pending')");
    Binder(st)
        .Int(request.appeal_id)
        .Str(request.from_executor)
        .Str(request.proposed_executor)
        .Str(request.reason)
        .Str(request.requested_by)
        .Time(request.requested_at);
    st.executeUpdate();
    out.id = LastInsertId(c);
    InsertAudit(c, audit);
  });
  out.state = RequestState::kPending;
  out.decision.reset();
  return out;
}

std::optional<ExecutorChangeRequest> MysqlStore::FindExecutorChangeRequest(int64_t id) {
  return FindById<ExecutorChangeRequest>(*pool_, "find executor change request",
                                         "executor_change_requests", kChangeCols, ReadChange, id);
}

std::vector<ExecutorChangeRequest> MysqlStore::ListExecutorChangeRequests(int64_t appeal_id) {
  return ListByAppeal<ExecutorChangeRequest>(*pool_, "list executor change requests",
                                             "executor_change_requests", kChangeCols, ReadChange,
                                             appeal_id);
}

Result<ExecutorChangeRequest> MysqlStore::DecideExecutorChangeRequest(
    int64_t id, bool approve, const Decision& decision, const std::optional<Appeal>& appeal,
    const AuditEntry& audit) {
  return Decide<ExecutorChangeRequest>(*pool_, "executor_change_requests", kChangeCols,
                                       ReadChange, id, approve, decision, appeal, audit);
}

// --- Informing the resident ---

Informing MysqlStore::AddInforming(const Informing& informing, const AuditEntry& audit) {
  Informing out = informing;
  pool_->Transact("add informing", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO appeal_informings (appeal_id, how, informed_at, informed_by, unit, "
        "performer, performer_phone, note, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(informing.appeal_id)
        .Str(informing.how)
        .Time(informing.at)
        .Str(informing.by)
        .Str(informing.unit)
        .Str(informing.performer)
        .Str(informing.performer_phone)
        .Str(informing.note)
        .Str(informing.recorded_by)
        .Time(informing.recorded_at);
    st.executeUpdate();
    out.id = LastInsertId(c);
    InsertAudit(c, audit);
  });
  return out;
}

std::vector<Informing> MysqlStore::ListInformings(int64_t appeal_id) {
  return ListByAppeal<Informing>(*pool_, "list informings", "appeal_informings", kInformingCols,
                                 ReadInforming, appeal_id);
}

}  // namespace vikno
