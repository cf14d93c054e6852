#include "http/session_http.h"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "http/passwords.h"
#include "http/session.h"

namespace vikno::http {
namespace {

bool IsChange(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// "scheme://host[:port]" of a URL, lower-case, default ports dropped; "" when
// it is not an http(s) URL.
std::string OriginOf(const std::string& url) {
  try {
    Poco::URI uri(url);
    const std::string scheme = Poco::toLower(uri.getScheme());
    if ((scheme != "http" && scheme != "https") || uri.getHost().empty()) return "";
    std::string origin = scheme + "://" + Poco::toLower(uri.getHost());
    const unsigned short well_known = scheme == "https" ? 443 : 80;
    if (uri.getPort() != well_known) origin += ":" + std::to_string(uri.getPort());
    return origin;
  } catch (const Poco::Exception&) {
    return "";
  }
}

}  // namespace

std::string SessionCookie(Poco::Net::HTTPServerRequest& request) {
  Poco::Net::NameValueCollection cookies;
  request.getCookies(cookies);
  return cookies.get(kSessionCookie, "");
}

void CheckOrigin(Poco::Net::HTTPServerRequest& request, const std::string& extra_origin) {
  std::string claimed;
  if (request.has("Origin")) {
    claimed = request.get("Origin");
    if (claimed == "null")
      throw HttpError(403, "csrf", "requests from an opaque origin are refused");
  } else if (request.has("Referer")) {
    claimed = request.get("Referer");
  } else {
    return;  // no browser claim to check; the CSRF token still is
  }
  const std::string origin = OriginOf(claimed);
  // The page's own origin, as the browser addressed this host (Host), over
  // http or https (a TLS proxy in front), or the configured one.
  const std::string host = Poco::toLower(request.getHost());
  const bool ok = !origin.empty() && !host.empty() &&
                  (origin == OriginOf("http://" + host) || origin == OriginOf("https://" + host) ||
                   (!extra_origin.empty() && origin == OriginOf(extra_origin)));
  if (!ok) throw HttpError(403, "csrf", "the request comes from another site (" + claimed + ")");
}

void CheckSessionCsrf(Call& call, const std::string& csrf_token, const std::string& extra_origin) {
  auto& request = call.request();
  if (!IsChange(request.getMethod())) return;
  CheckOrigin(request, extra_origin);
  const std::string presented = request.get("X-CSRF-Token", "");
  if (presented.empty() || !ConstantTimeEquals(presented, csrf_token))
    throw HttpError(403, "csrf", "the X-CSRF-Token header is missing or wrong");
}

Actor AuthenticateRequest(const ApiKeys& keys, Accounts* accounts, Call& call,
                          const std::string& client_address) {
  auto& request = call.request();
  if (request.has("Authorization") || accounts == nullptr) {
    auto actor = keys.Authenticate(request.get("Authorization", ""), client_address);
    if (!actor)
      throw HttpError(401, "unauthorized",
                      request.has("Authorization")
                          ? "the API key is not valid"
                          : "an API key is required: Authorization: Bearer <key>");
    return std::move(*actor);
  }
  const std::string token = SessionCookie(request);
  if (token.empty())
    throw HttpError(401, "unauthorized",
                    "sign in (POST /api/v1/session) or give an API key: Authorization: Bearer "
                    "<key>");
  auto current = accounts->Resolve(token, client_address);
  if (!current) throw HttpError(401, current.refusal().code, current.refusal().message);
  // B10: a half-signed-in session opens no API but its own routes
  // (api_accounts.cc), which do not come through here.
  if (current->session.stage == Accounts::kSecondFactor)
    throw HttpError(401, "second_factor_required",
                    "enter the code from the authenticator app (POST /api/v1/session/two-factor)");
  if (current->session.stage != Accounts::kFull)
    throw HttpError(403, "two_factor_enrolment_required",
                    "your role needs two-factor sign-in: set it up first "
                    "(POST /api/v1/session/two-factor/enrol)");
  CheckSessionCsrf(call, current->session.csrf_token, accounts->config().origin);
  return current->actor;
}

}  // namespace vikno::http
