// The events list as an Excel workbook (R29, 000 §6.5.1): the rows the Events
// page shows for the same filters, through EventService::List, which applies
// the viewer's scope (a moderator sees only their services' works).
#pragma once

#include <filesystem>

#include "core/result.h"
#include "core/role.h"
#include "events/event_service.h"
#include "reports/appeal_export.h"
#include "store/store.h"

namespace vikno::reports {

// Writes every event matching `query` (its limit and offset are ignored),
// newest start first as on the page, with the notices sent for each (R23).
// Returns the row count or EventService::List's refusal. Throws
// WorkbookError when the file cannot be written.
Result<int64_t> ExportEvents(events::EventService& events, Store& store, EventQuery query,
                             const Actor& viewer, const ExportContext& context,
                             const std::filesystem::path& path);

}  // namespace vikno::reports
