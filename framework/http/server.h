// The host's HTTP server (Poco::Net::HTTPServer): /healthz and the REST API
// /api/v1 (framework/http/api.cc). Every answer is JSON with
// "Content-Type: application/json; charset=utf-8", X-Content-Type-Options:
// nosniff and, under /api, Cache-Control: no-store; every error is
// {"error":{"code":"...","message":"..."}}.
//
// Stop() stops accepting, lets requests in flight finish (up to a grace
// period) and only then returns, so the caller may close the store with
// nothing half-written.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "host/config.h"
#include "http/desk_services.h"
#include "store/store.h"
#include "vikno/sdk/webhook.h"
#include "workflow/appeal_service.h"

namespace vikno::broadcasts {
class BroadcastService;  // broadcasts/broadcast_service.h
}  // namespace vikno::broadcasts

namespace vikno {
class Messages;
}  // namespace vikno

namespace vikno::events {
class EventService;  // events/event_service.h
}  // namespace vikno::events

namespace vikno::reports {
class ReportService;  // reports/report_service.h
}  // namespace vikno::reports

namespace vikno::http {

class Accounts;  // http/session.h

// What the API works with; all references outlive the server.
struct ApiDeps {
  AppealService* appeals = nullptr;
  Store* store = nullptr;
  Clock* clock = nullptr;
  // Staff accounts and sessions (issue 5): the session and user routes and
  // cookie sign-in. Null: only API keys (http/session_http.h).
  Accounts* accounts = nullptr;
  // Issue 6's broadcasts, surveys and ratings (http/api_broadcasts.h). Null:
  // those routes answer 503.
  broadcasts::BroadcastService* broadcasts = nullptr;
  // Issue 6's events and their notices (http/api_events.h, R22/R23). Null:
  // those routes answer 503.
  events::EventService* events = nullptr;
  // The loaded city's name ("Суми"); empty while no rules are loaded (503 on /healthz).
  std::function<std::string()> rules_name;
  // The text of a messages key ("status.new") in the configured language;
  // may be unset, then the code itself is shown.
  std::function<std::string(const std::string& key)> label;
  // The loaded texts of a language ("uk", "en") for the panel's
  // GET /api/v1/messages; null for a language not loaded. May be unset.
  std::function<const Messages*(const std::string& language)> messages;
  // Issue 5's desk: appeal requests, files, operator's window, knowledge
  // base, abuse (http/desk_services.h). Null services answer 503.
  DeskServices desk;
  // Issue 6's dashboard, exports and control reports (http/api_reports.cc).
  // Null: those routes answer 503. time_zone is the city's (dates in
  // workbooks); tmp_dir holds workbooks while they are written and sent.
  reports::ReportService* reports = nullptr;
  std::string time_zone = "Europe/Kyiv";
  std::string tmp_dir;
  // http.public_url ("https://city.example"): Open311 discovery names the
  // endpoint under it; empty: the Host the client used (http/open311/).
  std::string public_url;
  // The channels' webhooks, /hooks/<channel>/<path> (ChannelRegistry::
  // HandleWebhook): no API key (a channel checks its provider's signature or
  // secret itself), the raw body within max_body_bytes, header names in lower
  // case. nullopt: no such hook (404). Unset: /hooks/ is not served.
  std::function<std::optional<sdk::WebhookResponse>(
      const std::string& channel, const std::string& path, sdk::WebhookRequest request)>
      webhook;
  // Routes of areas built on top of vikno_http (the residents' cabinet,
  // framework/cabinet, which needs this library's password functions and so
  // cannot be linked into it): each adds its own routes, before the static
  // files. Empty: none.
  std::vector<std::function<void(Router&, const ApiDeps&)>> more_routes;
};

class HttpServer {
 public:
  HttpServer(HttpConfig config, std::vector<ApiKeyConfig> keys, ApiDeps deps);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds config.listen ("host:port"; port 0 picks a free one) and starts
  // serving. Throws Poco::Exception when the address cannot be bound.
  void Start();
  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:8080"

  // Stops accepting and waits up to `grace` for requests in flight. Returns
  // true when all finished. Idempotent.
  bool Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  int InFlight() const;

  struct State;  // implementation detail (server.cc)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vikno::http
