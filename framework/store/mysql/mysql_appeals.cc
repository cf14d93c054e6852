#include "store/mysql/mysql_internal.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::Placeholders;
using mysql_detail::LastInsertId;
using mysql_detail::WithEntityId;
using mysql_detail::InsertAudit;
using mysql_detail::kAppealCols;
using mysql_detail::ReadAppeal;
using mysql_detail::LoadExecutors;
using mysql_detail::FindAppealWhere;
using mysql_detail::NonFinalStatusList;

namespace {

// due_order of an appeal with no resolve deadline: 9999-12-31T23:59:59Z, so
// "due soonest" puts undated (long-term) appeals last (same as SQLite).
constexpr int64_t kNoDue = 253402300799;
// Rows per multi-row INSERT of ImportAppeals: 28 parameters a row stays far
// below the protocol's 65535 placeholders, and a few hundred rows amortise the
// round trip.
constexpr size_t kImportBatch = 250;

// The columns written on insert, in the order BindAppealRow binds them.
constexpr const char* kAppealInsertCols =
    "number, type, category, lead_executor, registry_id, city, district, street, house, flat, "
    "entrance, lat, lon, description, channel, resident_id, anonymous, status, created_at, "
    "updated_at, "
    "accept_due, resolve_due, due_order, accepted_at, closed_at, repeat_of, commission_inspection, "
    "version, next_check_at";
constexpr size_t kAppealInsertColCount = 29;

int64_t DueOrder(const Appeal& a) { return a.resolve_due ? ToUnix(*a.resolve_due) : kNoDue; }

void BindAppealRow(Binder& b, const Appeal& a, int version) {
  b.OptStr(a.number.empty() ? std::nullopt : std::optional<std::string>(a.number))
      .Str(a.type)
      .Str(a.category)
      .Str(a.lead_executor())
      .OptInt(a.address.registry_id)
      .Str(a.address.city)
      .Str(a.address.district)
      .Str(a.address.street)
      .Str(a.address.house)
      .Str(a.address.flat)
      .Str(a.address.entrance)
      .OptDouble(a.address.point ? std::optional<double>(a.address.point->lat) : std::nullopt)
      .OptDouble(a.address.point ? std::optional<double>(a.address.point->lon) : std::nullopt)
      .Str(a.description)
      .Str(a.channel)
      .Str(a.resident_id)
      .Bool(a.anonymous)
      .Str(std::string(StatusCode(a.status)))
      .Time(a.created_at)
      .Time(a.updated_at)
      .OptTime(a.accept_due)
      .OptTime(a.resolve_due)
      .Int(DueOrder(a))
      .OptTime(a.accepted_at)
      .OptTime(a.closed_at)
      .OptInt(a.repeat_of)
      .Bool(a.commission_inspection)
      .Int(version)
      .OptTime(DefaultNextCheck(a));
}

// A branch merged per leaf in one UNION ALL; past a few dozen leaves reading
// the branch and sorting costs no more, so larger branches use LIKE (as the
// SQLite backend does).
constexpr size_t kMaxMergedLeaves = 64;

// From this offset a plain page reads the ids first, then the page's cards:
// the skipped entries come from the index alone instead of each with its
// clustered row (offset 5,000 of 1,000,000 on MariaDB: 6.4 ms for the rows,
// 0.65 ms for the ids; issue 2). Below it the second round trip costs more
// than the rows it saves.
constexpr int kIdsFirstOffset = 250;

// The distinct categories cards are filed under in `branch`: the branch
// itself and everything under "branch/" (utf8mb4_bin: byte order, so
// ["branch/", "branch0") is exactly the branch). Taken from the stored cards,
// not the categories table, so cards of a retired category are still listed.
// Each value is one seek in appeals_category_created. Stops after
// kMaxMergedLeaves + 1 values: the caller then matches the branch instead.
std::vector<std::string> StoredCategoriesUnder(Conn& c, const std::string& branch) {
  std::vector<std::string> out;
  {
    auto& st = c.Prepare("SELECT 1 FROM appeals WHERE category = ? LIMIT 1");
    Binder(st).Str(branch);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out.push_back(branch);
  }
  const std::string end = branch + "0";
  std::string from = branch + "/";
  for (bool first = true; out.size() <= kMaxMergedLeaves; first = false) {
    auto& st = c.Prepare(first ? "SELECT category FROM appeals WHERE category >= ? AND category < ? "
                                 "ORDER BY category LIMIT 1"
                               : "SELECT category FROM appeals WHERE category > ? AND category < ? "
                                 "ORDER BY category LIMIT 1");
    Binder(st).Str(from).Str(end);
    ResultSetPtr rs(st.executeQuery());
    if (!rs->next()) break;
    from = Str(*rs, 1);
    out.push_back(from);
  }
  return out;
}

void InsertExecutors(Conn& c, const std::vector<std::pair<int64_t, const Appeal*>>& rows) {
  size_t total = 0;
  for (const auto& [id, a] : rows) total += a->executors.size();
  if (total == 0) return;
  std::string values;
  for (size_t i = 0; i < total; ++i) values += i ? ", (?, ?, ?)" : "(?, ?, ?)";
  auto& st =
      c.Prepare("INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES " + values);
  Binder b(st);
  for (const auto& [id, a] : rows)
    for (size_t p = 0; p < a->executors.size(); ++p)
      b.Int(id).Int(static_cast<int64_t>(p)).Str(a->executors[p]);
  st.executeUpdate();
}

}  // namespace

// --- Appeals ---

Appeal MysqlStore::CreateAppeal(const Appeal& draft, const AuditEntry& audit) {
  Appeal stored = draft;
  stored.version = 1;
  pool_->Transact("create appeal", [&](Conn& c) {
    auto& st = c.Prepare(std::string("INSERT INTO appeals (") + kAppealInsertCols + ") VALUES (" +
                         Placeholders(kAppealInsertColCount) + ")");
    Binder b(st);
    BindAppealRow(b, stored, 1);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    if (stored.number.empty()) {
      // 003 §2.2: the resident is told the number at once; by default it is
      // the id, set in the same transaction so no reader sees a card without one.
      stored.number = std::to_string(stored.id);
      auto& up = c.Prepare("UPDATE appeals SET number = ? WHERE id = ?");
      Binder(up).Str(stored.number).Int(stored.id);
      up.executeUpdate();
    }
    InsertExecutors(c, {{stored.id, &stored}});
    // R33: the audit entry commits with the card or not at all.
    InsertAudit(c, WithEntityId(audit, std::to_string(stored.id)));
  });
  return stored;
}

std::optional<Appeal> MysqlStore::FindAppeal(int64_t id) {
  std::optional<Appeal> out;
  pool_->Run("find appeal",
             [&](Conn& c) { out = FindAppealWhere(c, "id = ?", [&](Binder& b) { b.Int(id); }); });
  return out;
}

std::optional<Appeal> MysqlStore::FindAppealByNumber(const std::string& number) {
  std::optional<Appeal> out;
  if (number.empty()) return out;
  pool_->Run("find appeal by number", [&](Conn& c) {
    out = FindAppealWhere(c, "number = ?", [&](Binder& b) { b.Str(number); });
  });
  return out;
}

AppealPage MysqlStore::ListAppeals(const AppealQuery& q) {
  if (q.limit < 1 || q.limit > 500)
    throw StoreError("mysql: list appeals: limit must be 1..500, got " + std::to_string(q.limit));
  if (q.offset < 0) throw StoreError("mysql: list appeals: offset must not be negative");
  AppealPage page;
  // R26: a scope with no services sees nothing.
  if (q.executors && q.executors->empty()) {
    if (q.with_total) page.total = 0;
    return page;
  }

  // The WHERE clause is built from fixed fragments; every value is a parameter.
  std::string where;
  std::vector<std::function<void(Binder&)>> binds;
  auto add = [&](const std::string& clause, std::function<void(Binder&)> bind) {
    where += where.empty() ? " WHERE " : " AND ";
    where += clause;
    if (bind) binds.push_back(std::move(bind));
  };
  if (q.created_from) add("created_at >= ?", [t = *q.created_from](Binder& b) { b.Time(t); });
  if (q.created_to) add("created_at < ?", [t = *q.created_to](Binder& b) { b.Time(t); });
  if (q.executors)
    add("lead_executor IN (" + Placeholders(q.executors->size()) + ")", [&](Binder& b) {
      for (const auto& e : *q.executors) b.Str(e);
    });
  // The status filter is added below: a page merged per status reads each
  // status as its own part instead.
  const std::string status_clause = "status IN (" + Placeholders(q.statuses.size()) + ")";
  const auto bind_statuses = [&](Binder& b) {
    for (Status s : q.statuses) b.Str(std::string(StatusCode(s)));
  };
  if (!q.street.empty()) add("street = ?", [&](Binder& b) { b.Str(q.street); });
  if (!q.house.empty()) add("house = ?", [&](Binder& b) { b.Str(q.house); });
  if (q.registry_id) add("registry_id = ?", [&](Binder& b) { b.Int(*q.registry_id); });
  if (!q.resident_id.empty()) add("resident_id = ?", [&](Binder& b) { b.Str(q.resident_id); });
  if (!q.channel.empty()) add("channel = ?", [&](Binder& b) { b.Str(q.channel); });
  if (q.overdue_only)
    add("due_order < ? AND status IN (" + NonFinalStatusList() + ")",
        [&](Binder& b) { b.Time(q.now); });

  std::string order;
  switch (q.sort) {
    case AppealQuery::Sort::kNewestFirst:
      order = " ORDER BY created_at DESC, id DESC";
      break;
    case AppealQuery::Sort::kOldestFirst:
      order = " ORDER BY created_at ASC, id ASC";
      break;
    case AppealQuery::Sort::kDueSoonest:
      order = " ORDER BY due_order ASC, id ASC";
      break;
  }

  // Filters with an index of their own that may find a page in fewer reads
  // than a walk of a category or status in creation order (a moderator's
  // services, a building, a resident): with one of them the optimizer
  // chooses freely, and no index is forced on it.
  const bool selective = q.executors || !q.street.empty() || !q.house.empty() || q.registry_id ||
                         !q.resident_id.empty();
  const bool by_due = q.sort == AppealQuery::Sort::kDueSoonest;

  pool_->Run("list appeals", [&](Conn& c) {
    // The category: the leaf itself or anything under "category/". The
    // count, and a page sorted by due date, match it with LIKE (its
    // wildcards in a category id escaped so they match themselves).
    std::string count_where = where;
    std::vector<std::function<void(Binder&)>> count_binds = binds;
    if (!q.statuses.empty()) {
      count_where += (count_where.empty() ? " WHERE " : " AND ") + status_clause;
      count_binds.push_back(bind_statuses);
    }
    // Two or more parts: the page is merged from one ordered, LIMITed
    // subquery per part (a leaf of the branch, or a status), each read in
    // the order of `part_index` and stopped at the page.
    std::vector<std::string> parts;
    std::string part_column;  // "category" or "status"
    std::string part_index;   // forced on each part unless `selective`
    std::string category_where;
    std::vector<std::function<void(Binder&)>> category_binds;
    if (!q.category.empty()) {
      std::string prefix;
      for (char ch : q.category) {
        if (ch == '!' || ch == '%' || ch == '_') prefix += '!';
        prefix += ch;
      }
      prefix += "/%";
      const std::string range = "(category = ? OR category LIKE ? ESCAPE '!')";
      const auto bind_range = [&, prefix](Binder& b) { b.Str(q.category).Str(prefix); };
      count_where += (count_where.empty() ? " WHERE " : " AND ") + range;
      count_binds.push_back(bind_range);
      std::optional<std::vector<std::string>> stored;
      if (!by_due) stored = StoredCategoriesUnder(c, q.category);
      if (stored && stored->empty()) {
        if (q.with_total) page.total = 0;  // no card in the branch at all
        return;
      }
      // Unlike SQLite, a leaf with a status filter stays one plain query:
      // merging it (ids, then cards) measured slower on MariaDB (3.4 vs 2.5
      // ms p50 over 200,000 cards), the optimizer keeping appeals_report.
      if (stored && stored->size() == 1) {
        category_where = "category = ?";
        category_binds.push_back([leaf = stored->front()](Binder& b) { b.Str(leaf); });
      } else if (stored && stored->size() <= kMaxMergedLeaves) {
        parts = std::move(*stored);
        part_column = "category";
        // Issue 2: MariaDB kept appeals_report (status, category, ...) for
        // each leaf with a status and sorted every card of that status in
        // the leaf (1,000,000 cards: 20 ms for two statuses, 35 ms for the
        // 5th page); (category, created_at, id, status) is read in order,
        // the status tested on the entry, and stops at the page (1-15 ms).
        part_index = "appeals_category_created";
      } else {
        category_where = range;
        category_binds.push_back(bind_range);
      }
    }
    if (parts.empty() && !q.statuses.empty() && !selective && (by_due || q.category.empty())) {
      // Issue 2: one status in creation order was found by walking
      // appeals_created and reading each row for its status (1,000,000
      // cards: 20 ms, the newest cards all "new"), and by due date the
      // optimizer walked appeals_due reading each row (66 ms for a branch
      // and a status) or, for two statuses, sorted all their cards (1 s).
      // Per status, (status, created_at) and (status, due_order) are in the
      // page's order (the primary key breaks ties), so each status is one
      // ordered part; a branch by due date is tested on its rows.
      for (Status s : q.statuses) {  // a status named twice is one part, not two
        std::string code(StatusCode(s));
        if (std::find(parts.begin(), parts.end(), code) == parts.end()) parts.push_back(code);
      }
      part_column = "status";
      part_index = by_due ? "appeals_status_due" : "appeals_status_created";
    } else if (!q.statuses.empty()) {
      add(status_clause, bind_statuses);
    }
    if (!category_where.empty()) {
      add(category_where, nullptr);
      for (auto& bind : category_binds) binds.push_back(bind);
    }

    // The page's ids in order (limit + 1 of them: one more says whether there
    // is a next page), when they are read before the cards.
    std::vector<int64_t> ids;
    if (parts.empty() && q.offset < kIdsFirstOffset) {
      auto& st = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals" + where + order +
                           " LIMIT ? OFFSET ?");
      Binder b(st);
      for (auto& bind : binds) bind(b);
      b.Int(q.limit + 1).Int(q.offset);  // one more row says whether there is a next page
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) page.items.push_back(ReadAppeal(*rs));
    } else if (parts.empty()) {
      auto& st = c.Prepare("SELECT id FROM appeals" + where + order + " LIMIT ? OFFSET ?");
      Binder b(st);
      for (auto& bind : binds) bind(b);
      b.Int(q.limit + 1).Int(q.offset);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    } else {
      // Issue 2 (a page of 50 in under 20 ms), as in the SQLite backend: each
      // part's first offset + limit + 1 ids come in the page's order from its
      // index, and the merge of those holds the page, so the cost follows
      // parts x page instead of the size of the branch or the status.
      // The index names are constants of this file, never input.
      const std::string hint = selective ? "" : " FORCE INDEX (" + part_index + ")";
      const std::string part_where =
          where + (where.empty() ? " WHERE " : " AND ") + part_column + " = ?";
      const std::string key = by_due ? "id, due_order" : "id, created_at";
      std::string sql;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) sql += " UNION ALL ";
        sql += "(SELECT " + key + " FROM appeals" + hint + part_where + order + " LIMIT ?)";
      }
      sql += order + " LIMIT ? OFFSET ?";
      auto& st = c.Prepare(sql);
      Binder b(st);
      for (const std::string& part : parts) {
        for (auto& bind : binds) bind(b);
        b.Str(part).Int(static_cast<int64_t>(q.offset) + q.limit + 1);
      }
      b.Int(q.limit + 1).Int(q.offset);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    }
    if (ids.size() > static_cast<size_t>(q.limit)) {
      page.has_more = true;
      ids.pop_back();
    }
    if (!ids.empty()) {
      // The cards of the page in one query, put back in the id order.
      auto& st = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals WHERE id IN (" +
                           Placeholders(ids.size()) + ")");
      Binder b(st);
      for (int64_t id : ids) b.Int(id);
      ResultSetPtr rs(st.executeQuery());
      std::map<int64_t, Appeal> by_id;
      while (rs->next()) {
        Appeal a = ReadAppeal(*rs);
        by_id.emplace(a.id, std::move(a));
      }
      // A card purged by retention since the ids were read is left out.
      for (int64_t id : ids)
        if (auto it = by_id.find(id); it != by_id.end()) page.items.push_back(std::move(it->second));
    }
    if (page.items.size() > static_cast<size_t>(q.limit)) {
      page.has_more = true;
      page.items.pop_back();
    }
    LoadExecutors(c, page.items);
    if (q.with_total) {
      auto& st = c.Prepare("SELECT COUNT(*) FROM appeals" + count_where);
      Binder b(st);
      for (auto& bind : count_binds) bind(b);
      ResultSetPtr rs(st.executeQuery());
      rs->next();
      page.total = rs->getInt64(1);
    }
  });
  return page;
}

Result<Appeal> MysqlStore::UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) {
  std::optional<Refusal> refusal;
  Appeal stored = appeal;
  pool_->Transact("update appeal", [&](Conn& c) {
    Result<Appeal> written = mysql_detail::WriteAppeal(c, appeal, audit);
    if (written)
      stored = std::move(written).value();
    else
      refusal = written.refusal();  // nothing was written: the commit is empty
  });
  if (refusal) return *refusal;
  return stored;
}

namespace mysql_detail {

Result<Appeal> WriteAppeal(Conn& c, const Appeal& appeal, const AuditEntry& audit) {
  // Optimistic concurrency: the row changes only if nobody wrote since the
  // caller read it. The number and the creation time never change.
  auto& st = c.Prepare(
      "UPDATE appeals SET type = ?, category = ?, lead_executor = ?, registry_id = ?, city = ?,"
      " district = ?, street = ?, house = ?, flat = ?, entrance = ?, lat = ?, lon = ?, "
      "description = ?,"
      " channel = ?, resident_id = ?, anonymous = ?, status = ?, updated_at = ?, accept_due = ?,"
      " resolve_due = ?, due_order = ?, accepted_at = ?, closed_at = ?, repeat_of = ?,"
      " commission_inspection = ?, next_check_at = ?, version = version + 1"
      " WHERE id = ? AND version = ?");
  Binder(st)
      .Str(appeal.type)
      .Str(appeal.category)
      .Str(appeal.lead_executor())
      .OptInt(appeal.address.registry_id)
      .Str(appeal.address.city)
      .Str(appeal.address.district)
      .Str(appeal.address.street)
      .Str(appeal.address.house)
      .Str(appeal.address.flat)
      .Str(appeal.address.entrance)
      .OptDouble(appeal.address.point ? std::optional<double>(appeal.address.point->lat)
                                      : std::nullopt)
      .OptDouble(appeal.address.point ? std::optional<double>(appeal.address.point->lon)
                                      : std::nullopt)
      .Str(appeal.description)
      .Str(appeal.channel)
      .Str(appeal.resident_id)
      .Bool(appeal.anonymous)
      .Str(std::string(StatusCode(appeal.status)))
      .Time(appeal.updated_at)
      .OptTime(appeal.accept_due)
      .OptTime(appeal.resolve_due)
      .Int(DueOrder(appeal))
      .OptTime(appeal.accepted_at)
      .OptTime(appeal.closed_at)
      .OptInt(appeal.repeat_of)
      .Bool(appeal.commission_inspection)
      .OptTime(DefaultNextCheck(appeal))
      .Int(appeal.id)
      .Int(appeal.version);
  if (st.executeUpdate() == 0) {
    auto& exists = c.Prepare("SELECT version FROM appeals WHERE id = ?");
    Binder(exists).Int(appeal.id);
    ResultSetPtr rs(exists.executeQuery());
    if (rs->next())
      return Refuse("stale", "appeal " + std::to_string(appeal.id) +
                                 " was changed by someone else (now version " +
                                 std::to_string(rs->getInt(1)) + ", yours " +
                                 std::to_string(appeal.version) + ")");
    return Refuse("not_found", "appeal " + std::to_string(appeal.id) + " does not exist");
  }
  auto& del = c.Prepare("DELETE FROM appeal_executors WHERE appeal_id = ?");
  Binder(del).Int(appeal.id);
  del.executeUpdate();
  InsertExecutors(c, {{appeal.id, &appeal}});
  InsertAudit(c, WithEntityId(audit, std::to_string(appeal.id)));
  // Read back what the row now holds (number, created_at are not the caller's to change).
  ResultSetPtr rs;
  auto& back = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals WHERE id = ?");
  Binder(back).Int(appeal.id);
  rs.reset(back.executeQuery());
  rs->next();
  Appeal row = ReadAppeal(*rs);
  row.executors = appeal.executors;
  return row;
}

}  // namespace mysql_detail

void MysqlStore::ImportAppeals(const std::vector<Appeal>& appeals) {
  if (appeals.empty()) return;
  pool_->Transact("import appeals", [&](Conn& c) {
    // Multi-row INSERTs get consecutive AUTO_INCREMENT ids under
    // innodb_autoinc_lock_mode 0 and 1 (MariaDB's default), so the ids of a
    // batch are LAST_INSERT_ID() .. +n-1. Mode 2 (Galera, MySQL 8's default)
    // does not promise that: there each row is inserted on its own.
    int lock_mode = 1;
    {
      ResultSetPtr rs(c.Prepare("SELECT @@innodb_autoinc_lock_mode").executeQuery());
      if (rs->next()) lock_mode = rs->getInt(1);
    }
    const size_t batch = lock_mode <= 1 ? kImportBatch : 1;
    for (size_t from = 0; from < appeals.size(); from += batch) {
      const size_t n = std::min(batch, appeals.size() - from);
      std::string values;
      for (size_t i = 0; i < n; ++i)
        values += (i ? ", (" : "(") + Placeholders(kAppealInsertColCount) + ")";
      auto& st = c.Prepare(std::string("INSERT INTO appeals (") + kAppealInsertCols + ") VALUES " +
                           values);
      Binder b(st);
      for (size_t i = 0; i < n; ++i) BindAppealRow(b, appeals[from + i], 1);
      st.executeUpdate();
      const int64_t first = LastInsertId(c);
      std::vector<std::pair<int64_t, const Appeal*>> rows;
      bool unnumbered = false;
      for (size_t i = 0; i < n; ++i) {
        rows.emplace_back(first + static_cast<int64_t>(i), &appeals[from + i]);
        unnumbered = unnumbered || appeals[from + i].number.empty();
      }
      if (unnumbered) {
        auto& up = c.Prepare(
            "UPDATE appeals SET number = CAST(id AS CHAR) WHERE id BETWEEN ? AND ? AND number IS "
            "NULL");
        Binder(up).Int(first).Int(first + static_cast<int64_t>(n) - 1);
        up.executeUpdate();
      }
      InsertExecutors(c, rows);
    }
  });
}

// --- Comments and files ---

Comment MysqlStore::AddComment(const Comment& comment, const AuditEntry& audit) {
  Comment stored = comment;
  pool_->Transact("add comment", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO comments (appeal_id, author_id, author_role, text, visible_to_resident, "
        "created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(comment.appeal_id)
        .Str(comment.author_id)
        .Str(comment.author_role)
        .Str(comment.text)
        .Bool(comment.visible_to_resident)
        .Time(comment.created_at);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(comment.appeal_id)));
  });
  return stored;
}

std::vector<Comment> MysqlStore::ListComments(int64_t appeal_id) {
  std::vector<Comment> out;
  pool_->Run("list comments", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, author_id, author_role, text, visible_to_resident, created_at FROM "
        "comments"
        " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(Comment{rs->getInt64(1), rs->getInt64(2), Str(*rs, 3), Str(*rs, 4), Str(*rs, 5),
                            rs->getInt(6) != 0, FromUnix(rs->getInt64(7))});
  });
  return out;
}

Attachment MysqlStore::AddAttachment(const Attachment& attachment, const AuditEntry& audit) {
  Attachment stored = attachment;
  pool_->Transact("add attachment", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO attachments (appeal_id, sha256, media_type, size, original_name, uploaded_by, "
        "created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(attachment.appeal_id)
        .Str(attachment.sha256)
        .Str(attachment.media_type)
        .Int(attachment.size)
        .Str(attachment.original_name)
        .Str(attachment.uploaded_by)
        .Time(attachment.created_at);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(attachment.appeal_id)));
  });
  return stored;
}

std::vector<Attachment> MysqlStore::ListAttachments(int64_t appeal_id) {
  std::vector<Attachment> out;
  pool_->Run("list attachments", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, sha256, media_type, size, original_name, uploaded_by, created_at "
        "FROM attachments"
        " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(Attachment{rs->getInt64(1), rs->getInt64(2), Str(*rs, 3), Str(*rs, 4),
                               rs->getInt64(5), Str(*rs, 6), Str(*rs, 7),
                               FromUnix(rs->getInt64(8))});
  });
  return out;
}

}  // namespace vikno
