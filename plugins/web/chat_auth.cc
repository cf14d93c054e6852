#include "chat_auth.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vikno::web {
namespace {

// Poco 1.11's SHA2Engine lacks the BLOCK_SIZE/DIGEST_SIZE that HMACEngine
// needs; SHA-256 has a 64-byte block and a 32-byte digest (FIPS 180-4).
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string Hex(const unsigned char* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Every byte is looked at; no early exit on the first difference.
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string HmacSha256Hex(const std::string& key, const std::string& message) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(message);
  const Poco::DigestEngine::Digest& d = hmac.digest();
  return Hex(d.data(), d.size());
}

bool ChatAuth::IsChatId(std::string_view chat) {
  if (chat.size() != 32) return false;
  for (char c : chat)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool ChatAuth::Check(const std::string& chat, const std::string& token) const {
  // The well-formedness check first is not a timing leak: chat ids are not
  // secret, only tokens are.
  if (!IsChatId(chat)) return false;
  return ConstantTimeEquals(Token(chat), token);
}

}  // namespace vikno::web
