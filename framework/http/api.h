// The routes of /healthz and the REST API /api/v1 (issue 2):
//   GET  /healthz                           no auth; 200 or 503
//   POST /api/v1/appeals                    create -> 201 appeal
//   GET  /api/v1/appeals                    list with filters -> {"items":[...],...}
//   GET  /api/v1/appeals/{id}               card: appeal + comments, attachments, timeline
//   POST /api/v1/appeals/{id}/transitions   {"action":"reject","note":"..."} -> appeal
//   POST /api/v1/appeals/{id}/comments      {"text":"...","visible_to_resident":false} -> 201
//   GET  /api/v1/statuses                   codes, colours, labels
//   GET  /api/v1/appeals/{id}/actions       what the caller may do with it now
//   GET  /api/v1/messages?lang=uk           the panel's texts; no auth
#pragma once

#include "http/router.h"
#include "http/server.h"
#include "store/store.h"

namespace vikno::http {

void RegisterRoutes(Router& router, const ApiDeps& deps);

// Parses the list filters of GET /api/v1/appeals. Throws HttpError 400 naming
// the parameter for an unknown parameter or a bad value.
AppealQuery ParseAppealQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace vikno::http
