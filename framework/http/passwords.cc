#include "http/passwords.h"

#include <Poco/Base64Encoder.h>
#include <Poco/SHA2Engine.h>
#include <argon2.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace vikno::http {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kMinCodePoints = 12;
constexpr size_t kMaxBytes = 256;

void FillRandom(unsigned char* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = getrandom(out + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    done += static_cast<size_t>(got);
  }
}

std::string ParamsPrefix(const Argon2Params& p) {
  return "$argon2id$v=19$m=" + std::to_string(p.memory_kib) + ",t=" + std::to_string(p.time_cost) +
         ",p=" + std::to_string(p.parallelism) + "$";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// The most common passwords of at least 12 characters in public breach lists,
// plus local favourites: the policy's length already rules out the shorter ones.
const std::vector<std::string_view>& CommonPasswords() {
  static const std::vector<std::string_view> kList = {
      "123456789012",  "1234567890123", "12345678901234", "123456123456",     "111111111111",
      "000000000000",  "123123123123",  "qwertyuiopas",   "qwertyuiop123",    "1qaz2wsx3edc",
      "1q2w3e4r5t6y",  "q1w2e3r4t5y6",  "zaq12wsxcde3",   "passwordpassword", "password1234",
      "password12345", "password123!",  "Password1234",   "Password123!",     "iloveyou1234",
      "administrator", "admin1234567",  "adminadmin123",  "letmein12345",     "welcome12345",
      "changeme1234",  "qwerty123456",  "abcdefghijkl",   "abc123abc123",     "trustno1trustno1",
      "slavaukraini",  "slavaukraini!", "slava_ukraini",  "heroyamslava",     "ukraine12345",
      "kyiv12345678",  "parol1234567",  "parolparol12",   "vikno1234567",     "viknovikno12",
  };
  return kList;
}

}  // namespace

std::string HashPassword(std::string_view password, const Argon2Params& params) {
  std::array<unsigned char, kSaltBytes> salt{};
  FillRandom(salt.data(), salt.size());
  std::string encoded(argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    throw std::runtime_error(std::string("argon2id failed: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool NeedsRehash(const std::string& encoded, const Argon2Params& params) {
  return encoded.rfind(ParamsPrefix(params), 0) != 0;
}

std::optional<std::string> PasswordProblem(std::string_view password, std::string_view login) {
  if (CodePoints(password) < kMinCodePoints)
    return "the password must be at least " + std::to_string(kMinCodePoints) + " characters long";
  if (password.size() > kMaxBytes)
    return "the password must be at most " + std::to_string(kMaxBytes) + " bytes long";
  const std::string lower = Lower(password);
  if (!login.empty() && lower.find(Lower(login)) != std::string::npos)
    return "the password must not contain the login";
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; }))
    return "the password must not be one character repeated";
  for (std::string_view common : CommonPasswords())
    if (lower == Lower(common)) return "the password is one of the most common passwords";
  return std::nullopt;
}

std::string GeneratePassword() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // 57 symbols
  std::string out;
  while (out.size() < 16) {
    unsigned char b = 0;
    FillRandom(&b, 1);
    // Rejection sampling: only bytes below the largest multiple of the
    // alphabet's size, so every symbol is equally likely.
    if (b >= (256 / kAlphabet.size()) * kAlphabet.size()) continue;
    out.push_back(kAlphabet[b % kAlphabet.size()]);
  }
  return out;
}

std::string RandomToken(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  FillRandom(raw.data(), raw.size());
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(raw.data()),
                static_cast<std::streamsize>(raw.size()));
  encoder.close();
  return out.str();
}

std::string Sha256Hex(std::string_view text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text.data(), static_cast<unsigned>(text.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

}  // namespace vikno::http
