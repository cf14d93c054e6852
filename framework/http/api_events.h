// Issue 6, events (R22, R23): planned and emergency works in the panel.
//   GET    /api/v1/events                 ?from=&to=&executor=&registry_id=&street=&house=
//                                         &status=in_work|completed&kind=planned|emergency
//                                         &limit=1..200&offset= -> {"items","total",...}
//   POST   /api/v1/events                 draft -> 201 {"event","notices"}
//   GET    /api/v1/events/{id}            -> event
//   PUT    /api/v1/events/{id}            draft + "revision" -> 200 {"event","notices"}
//   POST   /api/v1/events/{id}/copy       -> 200 draft for a new event (nothing stored)
//   DELETE /api/v1/events/{id}            -> 200 event (kept for the audit, R33)
// A draft: {"kind","reason","executor_id","starts_at","ends_at"|null,
// "end_is_approximate","addresses":[{"registry_id","whole_street"}],
// "short_notice_reason"}. Session, CSRF and roles as every /api/v1 route;
// the service's scope (events/event_service.h) makes another service's
// event 404 to read and 403 to change.
#pragma once

#include "http/router.h"
#include "http/server.h"

namespace vikno::http {

void RegisterEventRoutes(Router& router, const ApiDeps& deps);

// The filters of GET /api/v1/events, for the events export
// (/api/v1/events/export.xlsx, api_reports.cc, R29): the same parameters,
// the same refusals.
EventQuery ParseEventQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace vikno::http
