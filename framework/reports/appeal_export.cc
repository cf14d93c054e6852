#include "reports/appeal_export.h"

#include <algorithm>

#include "messages/messages.h"
#include "reports/workbook.h"

namespace vikno::reports {
namespace {

std::string Label(const ExportContext& c, const std::string& key) {
  return c.messages ? c.messages->Get(key) : key;
}

std::string AddressText(const Address& a, const std::string& flat_label) {
  std::string out = a.street;
  if (!a.house.empty()) out += (out.empty() ? "" : ", ") + a.house;
  if (!a.flat.empty()) out += (out.empty() ? "" : ", ") + flat_label + " " + a.flat;
  return out;
}

}  // namespace

Result<int64_t> ExportAppeals(AppealService& appeals, AppealQuery query, const Actor& viewer,
                              const ExportContext& context, const std::filesystem::path& path) {
  // Offset paging over a set that grows at the top would repeat rows; the
  // set is pinned to what exists when the export starts.
  const Timestamp pin = context.now + std::chrono::seconds(1);
  if (!query.created_to || *query.created_to > pin) query.created_to = pin;
  query.limit = 500;
  query.offset = 0;
  query.with_total = true;
  auto first = appeals.List(query, viewer);
  if (!first) return first.refusal();
  if (first->total && *first->total > kMaxExportRows)
    return Refuse("too_many_rows", "the filter matches " + std::to_string(*first->total) +
                                       " appeals; narrow it to at most " +
                                       std::to_string(kMaxExportRows));
  query.with_total = false;

  Workbook book(path, context.tmp_dir, context.time_zone);
  auto col = [&](const char* key, CellKind kind, double width) {
    return Column{Label(context, std::string("reports.appeals.") + key), kind, width};
  };
  book.AddSheet(Label(context, "reports.appeals.sheet"),
                {col("number", CellKind::kText, 14), col("created", CellKind::kDateTime, 17),
                 col("status", CellKind::kText, 20), col("type", CellKind::kText, 12),
                 col("category", CellKind::kText, 32), col("executor", CellKind::kText, 28),
                 col("district", CellKind::kText, 16), col("address", CellKind::kText, 30),
                 col("channel", CellKind::kText, 11), col("description", CellKind::kText, 60),
                 col("resolve_due", CellKind::kDateTime, 17),
                 col("closed", CellKind::kDateTime, 17), col("overdue", CellKind::kText, 12)});
  const std::string yes = Label(context, "reports.yes");
  const std::string no = Label(context, "reports.no");
  const std::string flat = Label(context, "reports.appeals.flat");
  AppealPage page = std::move(first.value());
  while (true) {
    for (const Appeal& a : page.items) {
      book.BeginRow();
      book.Text(a.number);
      book.Time(a.created_at);
      book.Text(Label(context, "status." + std::string(StatusCode(a.status))));
      book.Text(a.type);
      book.Text(context.category_name ? context.category_name(a.category) : a.category);
      book.Text(context.executor_name ? context.executor_name(a.lead_executor())
                                      : a.lead_executor());
      book.Text(a.address.district);
      book.Text(AddressText(a.address, flat));
      book.Text(a.channel);
      book.Text(a.description);
      book.Time(a.resolve_due);
      book.Time(a.closed_at);
      book.Text(a.overdue(context.now) ? yes : no);
    }
    if (!page.has_more || page.items.empty()) break;
    // Keyset paging where the sort allows it: the next page starts at the
    // last row's registration time, skipping the rows of that very second
    // already written (the order within it is by id, as in the list). An
    // OFFSET would make SQLite walk every earlier row again on each page:
    // quadratic over 100,000 rows.
    const Timestamp last = page.items.back().created_at;
    int same_second = 0;
    for (auto it = page.items.rbegin(); it != page.items.rend() && it->created_at == last; ++it)
      ++same_second;
    if (query.sort == AppealQuery::Sort::kNewestFirst) {
      if (query.created_to == last + std::chrono::seconds(1)) same_second += query.offset;
      query.created_to = last + std::chrono::seconds(1);
      query.offset = same_second;
    } else if (query.sort == AppealQuery::Sort::kOldestFirst) {
      if (query.created_from == last) same_second += query.offset;
      query.created_from = last;
      query.offset = same_second;
    } else {
      query.offset += static_cast<int>(page.items.size());
    }
    if (book.rows() >= kMaxExportRows) break;
    auto next = appeals.List(query, viewer);
    if (!next) return next.refusal();
    page = std::move(next.value());
  }
  const int64_t rows = book.rows();
  book.Close();
  return rows;
}

}  // namespace vikno::reports
