#include "reports/event_export.h"

#include "messages/messages.h"
#include "reports/workbook.h"

namespace vikno::reports {
namespace {

std::string Label(const ExportContext& c, const std::string& key) {
  return c.messages ? c.messages->Get(key) : key;
}

}  // namespace

Result<int64_t> ExportEvents(events::EventService& events, Store& store, EventQuery query,
                             const Actor& viewer, const ExportContext& context,
                             const std::filesystem::path& path) {
  query.limit = 1000;
  query.offset = 0;
  auto page = events.List(viewer, query);
  if (!page) return page.refusal();
  Workbook book(path, context.tmp_dir, context.time_zone);
  auto col = [&](const char* key, CellKind kind, double width) {
    return Column{Label(context, std::string("reports.events.") + key), kind, width};
  };
  book.AddSheet(Label(context, "reports.events.sheet"),
                {col("status", CellKind::kText, 14), col("kind", CellKind::kText, 14),
                 col("reason", CellKind::kText, 40), col("executor", CellKind::kText, 28),
                 col("starts", CellKind::kDateTime, 17), col("ends", CellKind::kDateTime, 17),
                 col("approximate", CellKind::kText, 12), col("addresses", CellKind::kText, 50),
                 col("notices", CellKind::kNumber, 12)});
  const std::string whole_street = Label(context, "events.panel.whole_street");
  while (true) {
    std::vector<int64_t> ids;
    for (const auto& e : page->events) ids.push_back(e.id);
    const auto counts = store.CountEventNotices(ids);
    for (const Event& e : page->events) {
      book.BeginRow();
      book.Text(Label(context, "events.panel.status_" + std::string(EventStatusCode(e.status(context.now)))));
      book.Text(Label(context, "events.panel.kind_" + std::string(EventKindCode(e.kind))));
      book.Text(e.reason);
      book.Text(context.executor_name ? context.executor_name(e.executor_id) : e.executor_id);
      book.Time(e.starts_at);
      book.Time(e.ends_at);
      book.Text(Label(context, e.end_is_approximate ? "reports.yes" : "reports.no"));
      std::string addresses;
      for (const auto& a : e.addresses) {
        if (!addresses.empty()) addresses += "; ";
        addresses += a.house.empty() ? a.street + " (" + whole_street + ")" : a.street + ", " + a.house;
      }
      book.Text(addresses);
      const auto it = counts.find(e.id);
      book.Number(it == counts.end() ? 0.0 : static_cast<double>(it->second.sent));
    }
    query.offset += static_cast<int>(page->events.size());
    if (page->events.empty() || query.offset >= page->total) break;
    page = events.List(viewer, query);
    if (!page) return page.refusal();
  }
  const int64_t rows = book.rows();
  book.Close();
  return rows;
}

}  // namespace vikno::reports
