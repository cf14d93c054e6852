#include "store/sqlite/sqlite_internal.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

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

namespace {

// The due date of appeals without one, for `due_order` (001_initial.sql):
// 9999-12-31T23:59:59Z sorts after every real deadline.
constexpr int64_t kNoDueOrder = 253402300799;

int64_t DueOrder(const std::optional<Timestamp>& resolve_due) {
  return resolve_due ? ToUnix(*resolve_due) : kNoDueOrder;
}

// Collapses identical values and pads the list to the next power of two by
// repeating the last one, so `IN (?, ...)` takes a handful of shapes and its
// prepared statements are reused instead of piling up one per list length.
std::vector<std::string> PaddedSet(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  size_t size = 1;
  while (size < values.size()) size *= 2;
  while (values.size() < size) values.push_back(values.back());
  return values;
}

std::optional<Appeal> ReadAppeal(SqliteStore::Connection& conn, std::string_view where,
                                 const auto& key) {
  std::optional<Appeal> appeal;
  {
    Statement s = conn.Prepare(std::string("SELECT ") + kAppealColumns + " FROM appeals WHERE " +
                               std::string(where));
    s.Bind(key);
    if (!s.Step()) return std::nullopt;
    appeal = ReadAppealRow(s);
  }
  LoadExecutors(conn, *appeal);
  return appeal;
}

// A branch merged per leaf in one compound SELECT; SQLite allows 500 terms
// (SQLITE_MAX_COMPOUND_SELECT) and past a few dozen leaves reading the branch
// range and sorting costs no more, so larger branches use the range.
constexpr size_t kMaxMergedLeaves = 64;

// The distinct categories cards are filed under in `branch`: the branch
// itself and everything under "branch/". Taken from the stored cards, not the
// categories table, so cards of a retired category are still listed (and the
// list answers the same as the range over the branch). Each value is one seek
// in appeals_category_created, however many cards it holds. Stops after
// kMaxMergedLeaves + 1 values: the caller then reads the range instead.
std::vector<std::string> StoredCategoriesUnder(SqliteStore::Connection& conn,
                                               const std::string& branch) {
  std::vector<std::string> out;
  {
    Statement s = conn.Prepare("SELECT 1 FROM appeals WHERE category = ? LIMIT 1");
    s.Bind(branch);
    if (s.Step()) out.push_back(branch);
  }
  // The first value at or after "branch/", then each one after the last.
  const std::string end = branch + "0";
  std::string from = branch + "/";
  for (bool first = true; out.size() <= kMaxMergedLeaves; first = false) {
    Statement s = conn.Prepare(
        first ? "SELECT category FROM appeals WHERE category >= ? AND category < ? "
                "ORDER BY category LIMIT 1"
              : "SELECT category FROM appeals WHERE category > ? AND category < ? "
                "ORDER BY category LIMIT 1");
    s.Bind(from).Bind(end);
    if (!s.Step()) break;
    from = s.Text(0);
    out.push_back(from);
  }
  return out;
}

// The address and state columns shared by insert and update, in this order:
// type, category, lead_executor, registry_id, city, district, street, house,
// flat, entrance, lat, lon, description, channel, resident_id, anonymous,
// status, updated_at, accept_due, resolve_due, due_order, accepted_at,
// closed_at, repeat_of, commission_inspection.
void BindAppealState(Statement& s, const Appeal& a) {
  s.Bind(a.type).Bind(a.category).Bind(a.lead_executor()).Bind(a.address.registry_id);
  s.Bind(a.address.city).Bind(a.address.district).Bind(a.address.street).Bind(a.address.house);
  s.Bind(a.address.flat).Bind(a.address.entrance);
  if (a.address.point) {
    s.Bind(a.address.point->lat).Bind(a.address.point->lon);
  } else {
    s.BindNull().BindNull();
  }
  s.Bind(a.description).Bind(a.channel).Bind(a.resident_id).Bind(a.anonymous);
  s.Bind(StatusCode(a.status)).Bind(a.updated_at).Bind(a.accept_due).Bind(a.resolve_due);
  s.Bind(DueOrder(a.resolve_due)).Bind(a.accepted_at).Bind(a.closed_at).Bind(a.repeat_of);
  s.Bind(a.commission_inspection);
}

// Inserts the appeal and its executors; returns the new id. The number is
// the draft's, or the decimal id when the draft has none (R5: assigned at
// once, in the same transaction).
int64_t InsertAppeal(SqliteStore::Connection& conn, const Appeal& a) {
  // A new card's number is its id (R5: told at once). The id is taken here,
  // under the writer lock, as AUTOINCREMENT would take it (past every id ever
  // used), so the row is written once with its number: inserting it without
  // one and numbering it afterwards costs an extra index page per create.
  std::optional<int64_t> id;
  if (a.number.empty()) {
    Statement seq = conn.Prepare(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'appeals'), 0)");
    seq.Step();
    id = seq.Int(0) + 1;
  }
  Statement s = conn.Prepare(
      "INSERT INTO appeals (type, category, lead_executor, registry_id, city, district, "
      "street, house, flat, entrance, lat, lon, description, channel, resident_id, anonymous, "
      "status, updated_at, accept_due, resolve_due, due_order, accepted_at, closed_at, "
      "repeat_of, commission_inspection, number, created_at, next_check_at, id, version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, 1)");
  BindAppealState(s, a);
  s.Bind(id ? std::to_string(*id) : a.number);
  s.Bind(a.created_at).Bind(DefaultNextCheck(a));
  if (id) {
    s.Bind(*id);
  } else {
    s.BindNull();  // an imported card keeps its own number; SQLite picks the id
  }
  s.Run();
  const int64_t row_id = sqlite3_last_insert_rowid(conn.db());
  for (size_t i = 0; i < a.executors.size(); ++i) {
    Statement row = conn.Prepare(
        "INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES (?, ?, ?)");
    row.Bind(row_id).Bind(static_cast<int64_t>(i)).Bind(a.executors[i]).Run();
  }
  return row_id;
}

constexpr const char* kCommentColumns =
    "id, appeal_id, author_id, author_role, text, visible_to_resident, created_at";

Comment ReadComment(const Statement& s) {
  return Comment{s.Int(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4), s.Bool(5), s.Time(6)};
}

constexpr const char* kAttachmentColumns =
    "id, appeal_id, sha256, media_type, size, original_name, uploaded_by, created_at";

Attachment ReadAttachment(const Statement& s) {
  return Attachment{s.Int(0), s.Int(1),  s.Text(2), s.Text(3),
                    s.Int(4), s.Text(5), s.Text(6), s.Time(7)};
}

}  // namespace

// ---------------------------------------------------------------------------
// Appeals

Appeal SqliteStore::CreateAppeal(const Appeal& draft, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int64_t id = InsertAppeal(w, draft);
  // R33: the audit entry commits with the card or not at all.
  InsertAudit(w, WithEntityId(audit, id));
  std::optional<Appeal> stored = ReadAppeal(w, "id = ?", id);
  tx.Commit();
  if (++appeal_writes_since_check_ >= 10000) RefreshStatistics(w);
  return std::move(*stored);
}

std::optional<Appeal> SqliteStore::FindAppeal(int64_t id) {
  ReadLease r = Read();
  return ReadAppeal(*r, "id = ?", id);
}

std::optional<Appeal> SqliteStore::FindAppealByNumber(const std::string& number) {
  ReadLease r = Read();
  return ReadAppeal(*r, "number = ?", number);
}

AppealPage SqliteStore::ListAppeals(const AppealQuery& q) {
  if (q.limit < 1 || q.limit > 500)
    throw StoreError("appeals list: limit must be 1..500, got " + std::to_string(q.limit));
  if (q.offset < 0)
    throw StoreError("appeals list: offset must not be negative, got " + std::to_string(q.offset));
  AppealPage page;
  // R26: a scope that covers no service sees nothing.
  if (q.executors && q.executors->empty()) {
    if (q.with_total) page.total = 0;
    return page;
  }

  // The WHERE clause is put together from fixed fragments with ? only; every
  // value the caller gave is bound, never spliced into the SQL.
  using Param = std::variant<int64_t, std::string>;
  std::vector<std::string> clauses;
  std::vector<Param> params;
  auto add_in = [&](std::string_view column, std::vector<std::string> values) {
    values = PaddedSet(std::move(values));
    clauses.push_back(std::string(column) + " IN (" + Placeholders(values.size()) + ")");
    for (auto& v : values) params.emplace_back(std::move(v));
  };
  if (q.created_from) {
    clauses.emplace_back("created_at >= ?");
    params.emplace_back(ToUnix(*q.created_from));
  }
  if (q.created_to) {
    clauses.emplace_back("created_at < ?");
    params.emplace_back(ToUnix(*q.created_to));
  }
  if (q.executors) add_in("lead_executor", *q.executors);
  if (!q.statuses.empty()) {
    std::vector<std::string> codes;
    for (Status st : q.statuses) codes.emplace_back(StatusCode(st));
    add_in("status", std::move(codes));
  }
  if (!q.street.empty()) {
    clauses.emplace_back("street = ?");
    params.emplace_back(q.street);
  }
  if (!q.house.empty()) {
    clauses.emplace_back("house = ?");
    params.emplace_back(q.house);
  }
  if (q.registry_id) {
    clauses.emplace_back("registry_id = ?");
    params.emplace_back(*q.registry_id);
  }
  if (!q.resident_id.empty()) {
    clauses.emplace_back("resident_id = ?");
    params.emplace_back(q.resident_id);
  }
  if (!q.channel.empty()) {
    clauses.emplace_back("channel = ?");
    params.emplace_back(q.channel);
  }
  if (q.overdue_only) {
    // due_order < now is resolve_due < now (undated appeals carry year 9999).
    clauses.emplace_back("due_order < ?");
    params.emplace_back(ToUnix(q.now));
    const auto finals = FinalStatusCodes();
    clauses.push_back("status NOT IN (" + Placeholders(finals.size()) + ")");
    for (const auto& code : finals) params.emplace_back(code);
  }

  const bool by_created = q.sort != AppealQuery::Sort::kDueSoonest;
  const char* order = "created_at DESC, id DESC";
  if (q.sort == AppealQuery::Sort::kOldestFirst) order = "created_at ASC, id ASC";
  if (q.sort == AppealQuery::Sort::kDueSoonest) order = "due_order ASC, id ASC";

  auto where_of = [](const std::vector<std::string>& cs) {
    std::string where;
    for (const std::string& c : cs) where += (where.empty() ? " WHERE " : " AND ") + c;
    return where;
  };
  auto bind_all = [](Statement& s, const std::vector<Param>& ps) {
    for (const Param& p : ps) std::visit([&s](const auto& v) { s.Bind(v); }, p);
  };

  ReadLease r = Read();
  // The category: the leaf itself or anything under "category/" ('0' is the
  // character after '/', so the range is exactly the branch and stays an
  // index range). The count, and a page sorted by due date, use the range.
  std::vector<Param> count_params = params;
  std::vector<std::string> count_clauses = clauses;
  std::vector<std::string> leaves;  // two or more: the page is merged per leaf
  if (!q.category.empty()) {
    count_clauses.emplace_back("(category = ? OR (category >= ? AND category < ?))");
    count_params.emplace_back(q.category);
    count_params.emplace_back(q.category + "/");
    count_params.emplace_back(q.category + "0");
    std::optional<std::vector<std::string>> stored;
    if (by_created) stored = StoredCategoriesUnder(*r, q.category);
    if (stored && stored->empty()) {
      if (q.with_total) page.total = 0;  // no card in the branch at all
      return page;
    }
    // A leaf with a status filter goes the merged way too: with statistics
    // SQLite answers the plain query from appeals_report (status, category)
    // and sorts the leaf's cards of that status (3.3 ms p50 over 1,000,000),
    // while the id query is covered by appeals_category_created in list
    // order, status tested on the entry (migration 015), and stops at the page (0.3 ms).
    if (stored && stored->size() == 1 && q.statuses.empty()) {
      clauses.emplace_back("category = ?");
      params.emplace_back(stored->front());
    } else if (stored && stored->size() <= kMaxMergedLeaves) {
      leaves = std::move(*stored);
    } else {
      clauses = count_clauses;
      params = count_params;
    }
  }

  if (leaves.empty()) {
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns + " FROM appeals" +
                             where_of(clauses) + " ORDER BY " + order + " LIMIT ? OFFSET ?");
    bind_all(s, params);
    // One row more than the page tells whether another page follows.
    s.Bind(static_cast<int64_t>(q.limit) + 1).Bind(static_cast<int64_t>(q.offset));
    while (s.Step()) {
      if (page.items.size() == static_cast<size_t>(q.limit)) {
        page.has_more = true;
        break;
      }
      page.items.push_back(ReadAppealRow(s));
    }
    for (Appeal& a : page.items) LoadExecutors(*r, a);
  } else {
    // Issue 2 (a page of 50 in under 20 ms): read over the whole branch, the
    // category index gives rows in category order, so the newest 50 of a
    // branch of 50,000 cards meant reading and sorting all 50,000. Each
    // leaf's rows come in created_at order from (category, created_at, id),
    // so each leaf gives at most offset + limit + 1 rows and the merge of
    // those holds the page: the cost follows leaves x page, not branch size.
    // Only ids are read here (the index covers them); the cards follow.
    std::vector<std::string> leaf_clauses = clauses;
    leaf_clauses.emplace_back("category = ?");
    const std::string leaf_where = where_of(leaf_clauses);
    std::string sql;
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (i) sql += " UNION ALL ";
      sql += std::string("SELECT id, created_at FROM (SELECT id, created_at FROM appeals") +
             leaf_where + " ORDER BY " + order + " LIMIT ?)";
    }
    sql += std::string(" ORDER BY ") + order + " LIMIT ? OFFSET ?";
    std::vector<int64_t> ids;
    {
      Statement s = r->Prepare(sql);
      const int64_t per_leaf = static_cast<int64_t>(q.offset) + q.limit + 1;
      for (const std::string& leaf : leaves) {
        bind_all(s, params);
        s.Bind(leaf).Bind(per_leaf);
      }
      s.Bind(static_cast<int64_t>(q.limit) + 1).Bind(static_cast<int64_t>(q.offset));
      while (s.Step()) ids.push_back(s.Int(0));
    }
    if (ids.size() > static_cast<size_t>(q.limit)) {
      page.has_more = true;
      ids.pop_back();
    }
    for (int64_t id : ids) {
      // A card purged by retention since the ids were read is left out.
      if (std::optional<Appeal> a = ReadAppeal(*r, "id = ?", id)) page.items.push_back(std::move(*a));
    }
  }
  if (q.with_total) {
    Statement s = r->Prepare("SELECT COUNT(*) FROM appeals" + where_of(count_clauses));
    bind_all(s, count_params);
    s.Step();
    page.total = s.Int(0);
  }
  return page;
}

Result<Appeal> SqliteStore::UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Result<Appeal> written = sqlite_detail::WriteAppeal(w, appeal, audit);
  if (written) tx.Commit();
  return written;
}

namespace sqlite_detail {

Result<Appeal> WriteAppeal(SqliteStore::Connection& w, const Appeal& appeal,
                           const AuditEntry& audit) {
  int changed = 0;
  {
    // Optimistic concurrency: the write only lands on the version the caller
    // read. Number and creation time never change.
    Statement s = w.Prepare(
        "UPDATE appeals SET type = ?, category = ?, lead_executor = ?, registry_id = ?, city = ?, "
        "district = ?, street = ?, house = ?, flat = ?, entrance = ?, lat = ?, lon = ?, "
        "description = ?, channel = ?, resident_id = ?, anonymous = ?, status = ?, "
        "updated_at = ?, accept_due = ?, resolve_due = ?, due_order = ?, accepted_at = ?, "
        "closed_at = ?, repeat_of = ?, commission_inspection = ?, next_check_at = ?, "
        "version = version + 1 WHERE id = ? AND version = ?");
    BindAppealState(s, appeal);
    s.Bind(DefaultNextCheck(appeal));
    changed = s.Bind(appeal.id).Bind(appeal.version).Run();
  }
  if (changed == 0) {
    Statement s = w.Prepare("SELECT version FROM appeals WHERE id = ?");
    s.Bind(appeal.id);
    if (!s.Step())
      return Refuse("not_found", "appeal " + std::to_string(appeal.id) + " does not exist");
    return Refuse("stale", "appeal " + std::to_string(appeal.id) +
                               " was changed by someone else "
                               "(stored version " +
                               std::to_string(s.Int(0)) + ", given " +
                               std::to_string(appeal.version) + "); reload and retry");
  }
  {
    Statement d = w.Prepare("DELETE FROM appeal_executors WHERE appeal_id = ?");
    d.Bind(appeal.id).Run();
  }
  for (size_t i = 0; i < appeal.executors.size(); ++i) {
    Statement s = w.Prepare(
        "INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES (?, ?, ?)");
    s.Bind(appeal.id).Bind(static_cast<int64_t>(i)).Bind(appeal.executors[i]).Run();
  }
  InsertAudit(w, WithEntityId(audit, appeal.id));
  std::optional<Appeal> stored = ReadAppeal(w, "id = ?", appeal.id);
  return std::move(*stored);
}

}  // namespace sqlite_detail

void SqliteStore::ImportAppeals(const std::vector<Appeal>& appeals) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // One transaction for the whole batch: a bulk load of a million cards
  // commits once, and a bad card leaves none of the batch behind.
  Transaction tx(w);
  for (const Appeal& a : appeals) InsertAppeal(w, a);
  tx.Commit();
  RefreshStatistics(w);
}

// ---------------------------------------------------------------------------
// Comments and files

Comment SqliteStore::AddComment(const Comment& comment, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Comment stored = comment;
  {
    Statement s = w.Prepare(
        "INSERT INTO comments (appeal_id, author_id, author_role, text, visible_to_resident, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)");
    s.Bind(comment.appeal_id).Bind(comment.author_id).Bind(comment.author_role);
    s.Bind(comment.text).Bind(comment.visible_to_resident).Bind(comment.created_at).Run();
    stored.id = sqlite3_last_insert_rowid(w.db());
  }
  InsertAudit(w, WithEntityId(audit, comment.appeal_id));
  tx.Commit();
  return stored;
}

std::vector<Comment> SqliteStore::ListComments(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kCommentColumns +
                           " FROM comments WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Comment> out;
  while (s.Step()) out.push_back(ReadComment(s));
  return out;
}

Attachment SqliteStore::AddAttachment(const Attachment& attachment, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Attachment stored = attachment;
  {
    Statement s = w.Prepare(
        "INSERT INTO attachments (appeal_id, sha256, media_type, size, original_name, "
        "uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(attachment.appeal_id).Bind(attachment.sha256).Bind(attachment.media_type);
    s.Bind(attachment.size).Bind(attachment.original_name).Bind(attachment.uploaded_by);
    s.Bind(attachment.created_at).Run();
    stored.id = sqlite3_last_insert_rowid(w.db());
  }
  InsertAudit(w, WithEntityId(audit, attachment.appeal_id));
  tx.Commit();
  return stored;
}

std::vector<Attachment> SqliteStore::ListAttachments(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAttachmentColumns +
                           " FROM attachments WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Attachment> out;
  while (s.Step()) out.push_back(ReadAttachment(s));
  return out;
}

}  // namespace vikno
