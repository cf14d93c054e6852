// The residents' web cabinet over HTTP (issue 8; framework/cabinet/cabinet.h):
//
//   GET    /api/v1/cabinet/messages?lang=uk     the page's texts (cabinet., status., privacy.)
//   GET    /api/v1/cabinet/config               privacy notice + version, logins, file limits
//   POST   /api/v1/cabinet/code                 {login} -> 202 {sent_to, expires_in, resend_after}
//   POST   /api/v1/cabinet/session              {login, code | password, sign_up?} -> cookie
//   GET    /api/v1/cabinet/session              -> {account, csrf_token} or 401
//   DELETE /api/v1/cabinet/session              -> 204, signed out server-side
//   POST   /api/v1/cabinet/password/reset       {login, code, password} -> cookie
//   PUT    /api/v1/cabinet/password             {current, password} -> 204
//   GET    /api/v1/cabinet/profile              name, phone, e-mail, consent
//   PATCH  /api/v1/cabinet/profile              {name} -> profile
//   DELETE /api/v1/cabinet/profile              the delete request, carried out -> 204
//   GET    /api/v1/cabinet/categories           the city's classifier tree
//   GET    /api/v1/cabinet/addresses?q=         the registry's best matches (autocomplete)
//   GET    /api/v1/cabinet/appeals?archive=     own appeals, open or closed
//   POST   /api/v1/cabinet/appeals              file on channel "web" -> 201 with its number
//   GET    /api/v1/cabinet/appeals/{id}         card: comments for the resident, files,
//                                               resident-visible timeline, rating, actions
//   POST   /api/v1/cabinet/appeals/{id}/actions {action: confirm|not_confirm|cancel|
//                                               provide_details, note}
//   POST   /api/v1/cabinet/appeals/{id}/rating  {score 1-5, comment} -> 201
//   POST   /api/v1/cabinet/appeals/{id}/files   multipart "file" -> 201
//   GET    /api/v1/cabinet/appeals/{id}/files/{sha256}  the bytes, as a download
//
// Authentication is the cabinet's own cookie `vikno_cabinet` (HttpOnly,
// SameSite=Strict, Secure when configured), never the staff cookie, and a
// staff cookie or API key gives nothing here. Every state-changing request
// with the cookie must carry X-CSRF-Token and, when the browser says where it
// comes from, come from this host's origin (403 "csrf"). The two requests
// made before there is a session (code, session) are JSON-only (a cross-site
// form cannot send them without a CORS preflight, which this host never
// grants) and Origin-checked. Another resident's appeal is 404 on every
// route: a number's existence is never confirmed.
#pragma once

#include "http/router.h"
#include "http/server.h"

namespace vikno {
class Cabinet;
}  // namespace vikno

namespace vikno::http {

inline constexpr const char* kCabinetCookie = "vikno_cabinet";

// Registers the routes above; `cabinet` and `deps` outlive the router.
void RegisterCabinetRoutes(Router& router, const ApiDeps& deps, Cabinet& cabinet);

}  // namespace vikno::http
