// Open311 GeoReport v2 server (B1; R1, R5), under /open311/v2/:
//   GET  discovery.{json,xml}                      (also /open311/discovery.*)
//   GET  services.{fmt}                            one service per leaf of the classifier
//   GET  services/{service_code}.{fmt}             its attributes (flat, entrance, anonymous)
//   POST requests.{fmt}                            api_key required; form-encoded
//   GET  requests.{fmt}                            filters, 90 days / 1000 by default
//   GET  requests/{service_request_id}.{fmt}
//   GET  tokens/{token}.{fmt}
//   GET  servicerequestupdates.{fmt}               mySociety's extension (FixMyStreet)
// and the panel's key management, administrators only (session + CSRF):
//   GET  /api/v1/open311-keys, POST /api/v1/open311-keys {"label":...} -> 201
//   with the secret shown once, POST /api/v1/open311-keys/{id}/revoke.
// docs/open311.md is the integrators' description: status mapping, privacy,
// examples. Errors are GeoReport's list of {code, description}.
#pragma once

namespace vikno::http {

class Router;
struct ApiDeps;

void RegisterOpen311Routes(Router& router, const ApiDeps& deps);

}  // namespace vikno::http
