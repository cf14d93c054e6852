// The appeals list as an Excel workbook (R29, 000 §6.5.1, §6.6.8): exactly
// the rows the list page shows for the same filters, because the rows come
// through AppealService::List, which forces the viewer's scope (R26): a
// moderator's workbook holds only their services' appeals, and naming
// another service in the filter is refused "forbidden" as on the page.
//
// Thread-safety: stateless; one call per request.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/result.h"
#include "core/role.h"
#include "store/appeal_store.h"
#include "workflow/appeal_service.h"

namespace vikno {
class Messages;
}  // namespace vikno

namespace vikno::reports {

struct ExportContext {
  const Messages* messages = nullptr;  // the reader's language (column names, statuses)
  std::string time_zone = "Europe/Kyiv";
  std::filesystem::path tmp_dir;
  Timestamp now;  // the export's moment: rows registered later are left out
  // Executor and category names for their codes; missing ones print the code.
  std::function<std::string(const std::string& executor_id)> executor_name;
  std::function<std::string(const std::string& category_id)> category_name;
};

// At most this many rows go into one export; beyond it the refusal
// "too_many_rows" asks for a narrower filter (a sheet holds 1,048,575 rows,
// and a year of a large city fits well within this).
inline constexpr int64_t kMaxExportRows = 500000;

// Writes the appeals matching `query` (its limit and offset are ignored: all
// rows, in the query's sort) to `path`. Returns the row count, or the
// refusal of AppealService::List ("forbidden") or "too_many_rows".
// Throws WorkbookError when the file cannot be written.
Result<int64_t> ExportAppeals(AppealService& appeals, AppealQuery query, const Actor& viewer,
                              const ExportContext& context, const std::filesystem::path& path);

}  // namespace vikno::reports
