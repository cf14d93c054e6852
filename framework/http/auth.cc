#include "http/auth.h"

#include <Poco/SHA2Engine.h>
#include <Poco/String.h>

#include <algorithm>

namespace vikno::http {
namespace {

std::array<unsigned char, 32> Sha256(const std::string& text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text);
  const auto& d = engine.digest();
  std::array<unsigned char, 32> out{};
  std::copy_n(d.begin(), std::min<size_t>(d.size(), out.size()), out.begin());
  return out;
}

}  // namespace

ApiKeys::ApiKeys(const std::vector<ApiKeyConfig>& keys) {
  for (const auto& k : keys) {
    auto role = ParseRole(k.role);
    if (k.secret.empty() || !role) continue;
    Key key;
    key.digest = Sha256(k.secret);
    key.actor.role = *role;
    key.actor.id = "api_key:" + k.name;
    key.actor.services = k.services;
    keys_.push_back(std::move(key));
  }
}

std::optional<Actor> ApiKeys::Authenticate(const std::string& authorization,
                                           const std::string& client_address) const {
  static const std::string kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      Poco::icompare(authorization.substr(0, kScheme.size()), kScheme) != 0)
    return std::nullopt;
  const std::string secret = Poco::trim(authorization.substr(kScheme.size()));
  if (secret.empty()) return std::nullopt;
  // Compare fixed-size digests, all of them, without an early exit: the time
  // taken does not depend on how much of a secret was guessed or which key.
  const auto presented = Sha256(secret);
  const Key* found = nullptr;
  for (const auto& key : keys_) {
    unsigned diff = 0;
    for (size_t i = 0; i < presented.size(); ++i) diff |= presented[i] ^ key.digest[i];
    const bool equal = diff == 0;
    if (equal && found == nullptr) found = &key;
  }
  if (found == nullptr) return std::nullopt;
  Actor actor = found->actor;
  actor.client_address = client_address;
  return actor;
}

}  // namespace vikno::http
