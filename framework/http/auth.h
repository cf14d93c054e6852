// API keys (until staff accounts land, issue 5): `Authorization: Bearer <secret>`
// matched in constant time against every configured key, so neither the match
// nor its position shows in the timing. A match gives an Actor with the key's
// role and services and the client's address (R33).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/role.h"
#include "host/config.h"

namespace vikno::http {

class ApiKeys {
 public:
  // Keys with an empty secret or an unknown role never match.
  explicit ApiKeys(const std::vector<ApiKeyConfig>& keys);

  // The actor for an Authorization header value, or nullopt when it is not
  // "Bearer <secret>" of a configured key.
  std::optional<Actor> Authenticate(const std::string& authorization,
                                    const std::string& client_address) const;

 private:
  struct Key {
    std::array<unsigned char, 32> digest;  // SHA-256 of the secret
    Actor actor;
  };
  std::vector<Key> keys_;
};

}  // namespace vikno::http
