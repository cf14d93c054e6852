#include "http/totp.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA1Engine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/URI.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <qrencode.h>

#include <memory>
#include <sstream>
#include <stdexcept>

namespace vikno::http::totp {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kPlainPrefix[] = "plain:";
constexpr char kSealedPrefix[] = "aes256gcm:";
constexpr size_t kNonceBytes = 12;  // the GCM nonce size NIST SP 800-38D recommends
constexpr size_t kTagBytes = 16;

// RFC 2104 over SHA-1, as RFC 4226 §5.2 specifies (Poco's, not ours).
using HmacSha1 = Poco::HMACEngine<Poco::SHA1Engine>;

std::string KeyOf(const std::string& key) {
  // A fixed-length AES-256 key from the configured text; the label keeps this
  // use apart from any other hash of the same text.
  Poco::SHA2Engine h(Poco::SHA2Engine::SHA_256);
  h.update(std::string("vikno two-factor secret v1\n"));
  h.update(key);
  const auto& d = h.digest();
  return std::string(d.begin(), d.end());
}

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

std::optional<std::string> Unbase64(const std::string& text) {
  try {
    std::istringstream in(text);
    Poco::Base64Decoder dec(in);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    return out;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string RandomBytes(size_t bytes) {
  std::string out(bytes, '\0');
  if (bytes > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("the random number generator failed");
  return out;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char raw : text) {
    if (raw == ' ' || raw == '=' || raw == '-') continue;
    char c = raw >= 'a' && raw <= 'z' ? static_cast<char>(raw - 'a' + 'A') : raw;
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= '2' && c <= '7') {
      value = c - '2' + 26;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string Hotp(std::string_view secret, uint64_t counter, int digits) {
  const std::string key(secret);
  HmacSha1 hmac(key);
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  hmac.update(message, sizeof message);
  const auto& mac = hmac.digest();
  // RFC 4226 §5.3: dynamic truncation.
  const int offset = mac[mac.size() - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  if (static_cast<int>(code.size()) < digits) code.insert(0, digits - code.size(), '0');
  return code;
}

int64_t StepOf(int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / kStepSeconds
                           : (unix_seconds - kStepSeconds + 1) / kStepSeconds;
}

std::optional<int64_t> MatchingStep(std::string_view secret, std::string_view code,
                                    int64_t unix_seconds, int window) {
  if (code.size() != static_cast<size_t>(kDigits)) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  const int64_t now = StepOf(unix_seconds);
  std::optional<int64_t> found;
  for (int64_t step = now - window; step <= now + window; ++step) {
    if (step < 0) continue;
    const std::string expected = Hotp(secret, static_cast<uint64_t>(step));
    unsigned diff = 0;
    for (size_t i = 0; i < expected.size(); ++i)
      diff |= static_cast<unsigned>(expected[i] ^ code[i]);
    // The latest matching step wins: the replay guard then remembers the
    // highest step a code has been taken for.
    if (diff == 0) found = step;
  }
  return found;
}

std::string OtpauthUri(const std::string& issuer, const std::string& account,
                       std::string_view secret) {
  // Key Uri Format: the label is "issuer:account", both percent-encoded; ':'
  // separates them and must itself not be encoded.
  const std::string reserved = "/?#[]@!$&'()*+,;=: %";
  std::string label_issuer, label_account, query_issuer;
  Poco::URI::encode(issuer, reserved, label_issuer);
  Poco::URI::encode(account, reserved, label_account);
  Poco::URI::encode(issuer, reserved, query_issuer);
  return "otpauth://totp/" + label_issuer + ":" + label_account +
         "?secret=" + Base32Encode(secret) + "&issuer=" + query_issuer +
         "&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepSeconds);
}

std::vector<std::string> QrRows(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> qr(
      QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  std::vector<std::string> rows;
  if (!qr) return rows;
  const int n = qr->width;
  for (int y = 0; y < n; ++y) {
    std::string row(static_cast<size_t>(n), '0');
    // libqrencode: bit 0 of each byte is the module's colour (1 = dark).
    for (int x = 0; x < n; ++x)
      if (qr->data[y * n + x] & 1) row[static_cast<size_t>(x)] = '1';
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Seal(std::string_view secret, const std::string& key, const std::string& bound_to) {
  if (key.empty()) return kPlainPrefix + Base32Encode(secret);
  const std::string k = KeyOf(key);
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string ciphertext(secret.size(), '\0');
  std::string tag(kTagBytes, '\0');
  CipherCtx c;
  int len = 0;
  unsigned char final_block[16];  // GCM writes nothing here; the API wants a buffer
  if (c.ctx == nullptr ||
      EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, U(k), U(nonce)) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &len, U(bound_to), static_cast<int>(bound_to.size())) !=
          1 ||
      EVP_EncryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(ciphertext.data()), &len,
                        reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, final_block, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) != 1)
    throw std::runtime_error("sealing the two-factor secret failed");
  return kSealedPrefix + Base64(nonce + ciphertext + tag);
}

std::optional<std::string> Open(const std::string& sealed, const std::string& key,
                                const std::string& bound_to) {
  if (sealed.rfind(kPlainPrefix, 0) == 0)
    return Base32Decode(sealed.substr(sizeof kPlainPrefix - 1));
  if (sealed.rfind(kSealedPrefix, 0) != 0 || key.empty()) return std::nullopt;
  auto raw = Unbase64(sealed.substr(sizeof kSealedPrefix - 1));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::string k = KeyOf(key);
  const std::string nonce = raw->substr(0, kNonceBytes);
  const std::string ciphertext = raw->substr(kNonceBytes, raw->size() - kNonceBytes - kTagBytes);
  std::string tag = raw->substr(raw->size() - kTagBytes);
  std::string plain(ciphertext.size(), '\0');
  CipherCtx c;
  int len = 0;
  unsigned char final_block[16];  // GCM writes nothing here; the API wants a buffer
  if (c.ctx == nullptr ||
      EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, U(k), U(nonce)) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &len, U(bound_to), static_cast<int>(bound_to.size())) !=
          1 ||
      EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(plain.data()), &len, U(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1)
    return std::nullopt;
  // The tag is checked here: a wrong key, a wrong row or a changed byte fails.
  if (EVP_DecryptFinal_ex(c.ctx, final_block, &len) != 1) return std::nullopt;
  return plain;
}

}  // namespace vikno::http::totp
