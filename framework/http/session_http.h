// The HTTP side of staff sessions (issue 5): who is calling, and the CSRF
// defence of cookie-authenticated changes.
//
//   POST   /api/v1/session            {login, password} -> {user, csrf_token} + cookie
//   GET    /api/v1/session            -> the same, or 401
//   DELETE /api/v1/session            -> 204, the session deleted server-side
//   POST   /api/v1/session/password   {current, new} -> 204, other sessions revoked
//   B10, the second factor (docs/two-factor.md):
//   POST   /api/v1/session/two-factor          {code | recovery_code}: a
//          "second_factor" session -> a full one (new cookie)
//   POST   /api/v1/session/two-factor/enrol    -> {secret, uri} (full or enrol session)
//   POST   /api/v1/session/two-factor/confirm  {code} -> {recovery_codes} (+ a full
//          session's cookie when the session was "enrol")
//   POST   /api/v1/session/two-factor/disable  {password, code | recovery_code}
//   GET    /api/v1/users              administrators: every account
//   POST   /api/v1/users              {login, name, role, services, password | generate}
//   PATCH  /api/v1/users/{id}         {name, role, services, active}
//   POST   /api/v1/users/{id}/password {password | generate}
//
// A request is authenticated by `Authorization: Bearer <api key>` (scripts;
// no cookie, so no CSRF exposure) or by the `vikno_session` cookie. With the
// cookie, every POST/PUT/PATCH/DELETE must carry X-CSRF-Token equal to the
// session's token and, when the browser sends Origin (or Referer), come from
// this host's own origin; otherwise 403 {"error":{"code":"csrf"}}.
// A session that still owes its second factor gets 401
// "second_factor_required" from every other route, one that must enrol 403
// "two_factor_enrolment_required". API keys have no second factor: they are
// secrets in a script's config, not a person's password (docs/two-factor.md).
#pragma once

#include <string>

#include "core/role.h"
#include "http/auth.h"
#include "http/router.h"
#include "http/server.h"

namespace vikno::http {

class Accounts;

inline constexpr const char* kSessionCookie = "vikno_session";

// The actor of a request to a route that needs one. Throws HttpError 401
// (no or bad credentials, expired session) or 403 "csrf". `accounts` may be
// null: then only API keys are accepted.
Actor AuthenticateRequest(const ApiKeys& keys, Accounts* accounts, Call& call,
                          const std::string& client_address);

// Throws HttpError 403 "csrf" when the request's Origin, or its Referer when
// there is no Origin, names another origin than this host's (as its Host
// header names it) or `extra_origin` (accounts.origin; may be empty).
void CheckOrigin(Poco::Net::HTTPServerRequest& request, const std::string& extra_origin);

// For a change (POST/PUT/PATCH/DELETE) by a session: the Origin check and
// X-CSRF-Token against `csrf_token`; throws HttpError 403 "csrf".
void CheckSessionCsrf(Call& call, const std::string& csrf_token, const std::string& extra_origin);

// The session cookie's value, or "" when absent.
std::string SessionCookie(Poco::Net::HTTPServerRequest& request);

// The routes listed above; `deps.accounts` must be set.
void RegisterAccountRoutes(Router& router, const ApiDeps& deps);

}  // namespace vikno::http
