// request_store.h on SQLite: extension and executor change requests (R15,
// R16) and the record of informing the resident (R17).
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WriteAppeal;

namespace {

const char* StateCode(RequestState s) {
  switch (s) {
    case RequestState::kApproved:
      return "approved";
    case RequestState::kRejected:
      return "rejected";
    case RequestState::kPending:
      break;
  }
  return "pending";
}

RequestState ParseState(const std::string& code) {
  if (code == "approved") return RequestState::kApproved;
  if (code == "rejected") return RequestState::kRejected;
  return RequestState::kPending;
}

// Decision columns in this order: state, decided_by, decided_at, decision_note.
void ReadDecision(const Statement& s, int col, RequestState* state,
                  std::optional<Decision>* decision) {
  *state = ParseState(s.Text(col));
  if (!s.IsNull(col + 1))
    *decision = Decision{s.Text(col + 1), s.Time(col + 2), s.Text(col + 3)};
}

constexpr const char* kExtensionColumns =
    "id, appeal_id, proposed_due, reason, requested_by, requested_at, ordinal, approver, state, "
    "decided_by, decided_at, decision_note";

ExtensionRequest ReadExtension(const Statement& s) {
  ExtensionRequest r;
  r.id = s.Int(0);
  r.appeal_id = s.Int(1);
  r.proposed_due = s.Time(2);
  r.reason = s.Text(3);
  r.requested_by = s.Text(4);
  r.requested_at = s.Time(5);
  r.ordinal = static_cast<int>(s.Int(6));
  r.approver = s.Text(7);
  ReadDecision(s, 8, &r.state, &r.decision);
  return r;
}

constexpr const char* kChangeColumns =
    "id, appeal_id, from_executor, proposed_executor, reason, requested_by, requested_at, state, "
    "decided_by, decided_at, decision_note";

ExecutorChangeRequest ReadChange(const Statement& s) {
  ExecutorChangeRequest r;
  r.id = s.Int(0);
  r.appeal_id = s.Int(1);
  r.from_executor = s.Text(2);
  r.proposed_executor = s.Text(3);
  r.reason = s.Text(4);
  r.requested_by = s.Text(5);
  r.requested_at = s.Time(6);
  ReadDecision(s, 7, &r.state, &r.decision);
  return r;
}

constexpr const char* kInformingColumns =
    "id, appeal_id, how, informed_at, informed_by, unit, performer, performer_phone, note, "
    "recorded_by, recorded_at";

Informing ReadInforming(const Statement& s) {
  Informing i;
  i.id = s.Int(0);
  i.appeal_id = s.Int(1);
  i.how = s.Text(2);
  i.at = s.Time(3);
  i.by = s.Text(4);
  i.unit = s.Text(5);
  i.performer = s.Text(6);
  i.performer_phone = s.Text(7);
  i.note = s.Text(8);
  i.recorded_by = s.Text(9);
  i.recorded_at = s.Time(10);
  return i;
}

// The shared shape of both decisions: mark the pending row decided, write
// the appeal when asked, audit; one transaction, nothing on a refusal.
template <class Request, class Reader>
Result<Request> Decide(SqliteStore::Connection& w, const char* table, const char* columns,
                       Reader read, int64_t id, bool approve, const Decision& decision,
                       const std::optional<Appeal>& appeal, const AuditEntry& audit) {
  Transaction tx(w);
  {
    Statement s = w.Prepare(std::string("SELECT state FROM ") + table + " WHERE id = ?");
    s.Bind(id);
    if (!s.Step()) return Refuse("not_found", "request " + std::to_string(id) + " not found");
    if (s.Text(0) != "pending")
      return Refuse("already_decided",
                    "request " + std::to_string(id) + " was already " + s.Text(0));
  }
  {
    Statement s = w.Prepare(std::string("UPDATE ") + table +
                            " SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                            "WHERE id = ? AND state = 'pending'");
    s.Bind(StateCode(approve ? RequestState::kApproved : RequestState::kRejected))
        .Bind(decision.decided_by)
        .Bind(decision.decided_at)
        .Bind(decision.note)
        .Bind(id)
        .Run();
  }
  if (appeal) {
    // WriteAppeal records `audit` with the appeal's change.
    Result<Appeal> written = WriteAppeal(w, *appeal, audit);
    if (!written) return written.refusal();  // the transaction rolls back
  } else {
    InsertAudit(w, audit);
  }
  Statement s = w.Prepare(std::string("SELECT ") + columns + " FROM " + table + " WHERE id = ?");
  s.Bind(id);
  s.Step();
  Request out = read(s);
  tx.Commit();
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Extension requests

ExtensionRequest SqliteStore::AddExtensionRequest(const ExtensionRequest& request,
                                                  const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO extension_requests (appeal_id, proposed_due, reason, requested_by, "
      "requested_at, ordinal, approver, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')");
  s.Bind(request.appeal_id)
      .Bind(request.proposed_due)
      .Bind(request.reason)
      .Bind(request.requested_by)
      .Bind(request.requested_at)
      .Bind(request.ordinal)
      .Bind(request.approver)
      .Run();
  ExtensionRequest out = request;
  out.id = sqlite3_last_insert_rowid(w.db());
  out.state = RequestState::kPending;
  out.decision.reset();
  InsertAudit(w, audit);
  tx.Commit();
  return out;
}

std::optional<ExtensionRequest> SqliteStore::FindExtensionRequest(int64_t id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kExtensionColumns +
                           " FROM extension_requests WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadExtension(s);
}

std::vector<ExtensionRequest> SqliteStore::ListExtensionRequests(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kExtensionColumns +
                           " FROM extension_requests WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<ExtensionRequest> out;
  while (s.Step()) out.push_back(ReadExtension(s));
  return out;
}

Result<ExtensionRequest> SqliteStore::DecideExtensionRequest(int64_t id, bool approve,
                                                             const Decision& decision,
                                                             const std::optional<Appeal>& appeal,
                                                             const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  return Decide<ExtensionRequest>(*writer_, "extension_requests", kExtensionColumns,
                                  ReadExtension, id, approve, decision, appeal, audit);
}

// ---------------------------------------------------------------------------
// Executor change requests

ExecutorChangeRequest SqliteStore::AddExecutorChangeRequest(const ExecutorChangeRequest& request,
                                                            const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO executor_change_requests (appeal_id, from_executor, proposed_executor, reason, "
      "requested_by, requested_at, state) VALUES (?, ?, ?, ?, ?, ?, 'pending')");
  s.Bind(request.appeal_id)
      .Bind(request.from_executor)
      .Bind(request.proposed_executor)
      .Bind(request.reason)
      .Bind(request.requested_by)
      .Bind(request.requested_at)
      .Run();
  ExecutorChangeRequest out = request;
  out.id = sqlite3_last_insert_rowid(w.db());
  out.state = RequestState::kPending;
  out.decision.reset();
  InsertAudit(w, audit);
  tx.Commit();
  return out;
}

std::optional<ExecutorChangeRequest> SqliteStore::FindExecutorChangeRequest(int64_t id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kChangeColumns +
                           " FROM executor_change_requests WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadChange(s);
}

std::vector<ExecutorChangeRequest> SqliteStore::ListExecutorChangeRequests(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kChangeColumns +
                           " FROM executor_change_requests WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<ExecutorChangeRequest> out;
  while (s.Step()) out.push_back(ReadChange(s));
  return out;
}

Result<ExecutorChangeRequest> SqliteStore::DecideExecutorChangeRequest(
    int64_t id, bool approve, const Decision& decision, const std::optional<Appeal>& appeal,
    const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  return Decide<ExecutorChangeRequest>(*writer_, "executor_change_requests", kChangeColumns,
                                       ReadChange, id, approve, decision, appeal, audit);
}

// ---------------------------------------------------------------------------
// Informing the resident

Informing SqliteStore::AddInforming(const Informing& informing, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO appeal_informings (appeal_id, how, informed_at, informed_by, unit, performer, "
      "performer_phone, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(informing.appeal_id)
      .Bind(informing.how)
      .Bind(informing.at)
      .Bind(informing.by)
      .Bind(informing.unit)
      .Bind(informing.performer)
      .Bind(informing.performer_phone)
      .Bind(informing.note)
      .Bind(informing.recorded_by)
      .Bind(informing.recorded_at)
      .Run();
  Informing out = informing;
  out.id = sqlite3_last_insert_rowid(w.db());
  InsertAudit(w, audit);
  tx.Commit();
  return out;
}

std::vector<Informing> SqliteStore::ListInformings(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kInformingColumns +
                           " FROM appeal_informings WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Informing> out;
  while (s.Step()) out.push_back(ReadInforming(s));
  return out;
}

}  // namespace vikno
