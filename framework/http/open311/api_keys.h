// Open311 API keys (B1): issued and revoked by an administrator, through the
// panel (/api/v1/open311-keys) or `vikno open311-key`. A key is a random
// secret shown once; the store keeps its SHA-256 only (store/api_key_store.h),
// so a copy of the database does not give anyone a working key. GeoReport v2
// asks for a key on POST requests; the GET resources are public.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "store/store.h"

namespace vikno::http::open311 {

struct IssuedKey {
  ApiKey key;
  std::string secret;  // shown once, never stored
};

class ApiKeyService {
 public:
  static constexpr size_t kMaxLabelBytes = 200;

  ApiKeyService(Store& store, Clock& clock) : store_(store), clock_(clock) {}

  // Refusals: "forbidden" (not an administrator or the system), "missing_label",
  // "invalid_label" (longer than kMaxLabelBytes or not UTF-8).
  Result<IssuedKey> Issue(const std::string& label, const Actor& actor);
  // Refusals: "forbidden", "not_found", "already_revoked".
  Result<ApiKey> Revoke(int64_t id, const Actor& actor);
  Result<std::vector<ApiKey>> List(const Actor& actor);

  // The active key whose secret is `secret`; nullopt for an empty, unknown or
  // revoked one (the caller answers 403 either way: no oracle on which).
  std::optional<ApiKey> Authenticate(const std::string& secret);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace vikno::http::open311
