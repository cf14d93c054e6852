// Issue 6's routes for leaders and analysts (http/api_reports.cc):
//   GET /api/v1/dashboard?from=&to=                 R27 figures over a period
//   GET /api/v1/appeals/export.xlsx?<list filters>&lang=
//                                                   R29: the list page as a workbook
//   GET /api/v1/events/export.xlsx?<events page filters>&lang=
//                                                   R29: the events page as a workbook
//   GET /api/v1/reports                             the report kinds and recent runs
//   GET /api/v1/reports/{kind}?from=&to=&format=json|xlsx&lang=
//                                                   R21, R29 control reports
// Every figure and row is under the caller's scope (R26); residents are
// refused. Registered ahead of /api/v1/appeals/{id} so "export.xlsx" is not
// taken for an id.
#pragma once

#include "http/router.h"
#include "http/server.h"

namespace vikno::http {

void RegisterReportRoutes(Router& router, const ApiDeps& deps);

// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`
// (RFC 6266 with RFC 5987), so a Ukrainian file name survives every browser
// and the ASCII fallback never carries a quote or a control character.
std::string ContentDisposition(const std::string& utf8_name, const std::string& ascii_fallback);

}  // namespace vikno::http
