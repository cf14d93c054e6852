#include "viber_text.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <cstdint>

namespace vikno::viber {
namespace {

// Poco 1.11's SHA2Engine lacks the BLOCK_SIZE/DIGEST_SIZE that HMACEngine
// needs; SHA-256 works on 64-byte blocks and gives 32 bytes.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

// Length of the UTF-8 sequence at text[i], or 0 when it is malformed.
size_t SequenceLength(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return n;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool AllSpace(std::string_view s) {
  for (char c : s)
    if (!IsSpace(c)) return false;
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t CharCount(std::string_view text) {
  size_t count = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  return count;
}

std::vector<std::string> SplitText(std::string_view text, size_t max_chars) {
  std::vector<std::string> parts;
  if (max_chars == 0) max_chars = 1;
  while (!text.empty()) {
    // Byte offset after `max_chars` code points (or the end).
    size_t end = 0, chars = 0;
    while (end < text.size() && chars < max_chars) {
      end += SequenceLength(text, end) == 0 ? 1 : SequenceLength(text, end);
      ++chars;
    }
    if (end >= text.size()) {
      if (!AllSpace(text)) parts.emplace_back(text);
      break;
    }
    size_t cut = end, skip = 0;
    const std::string_view window = text.substr(0, end);
    const size_t newline = window.rfind('\n');
    const size_t space = window.rfind(' ');
    // A separator counts only when it keeps the part at least half full.
    if (newline != std::string_view::npos &&
        CharCount(window.substr(0, newline)) >= max_chars / 2) {
      cut = newline;
      skip = 1;
    } else if (space != std::string_view::npos &&
               CharCount(window.substr(0, space)) >= max_chars / 2) {
      cut = space;
      skip = 1;
    }
    const std::string_view part = text.substr(0, cut);
    if (!AllSpace(part)) parts.emplace_back(part);
    text.remove_prefix(cut + skip);
  }
  return parts;
}

std::string ContentSignature(std::string_view auth_token, std::string_view body) {
  const std::string key(auth_token);
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(body.data(), static_cast<unsigned>(body.size()));
  return Poco::DigestEngine::digestToHex(hmac.digest());  // lower-case hex
}

bool ConstantTimeEquals(std::string_view received, std::string_view expected) {
  // Every byte of `expected` is looked at whatever `received` holds.
  unsigned char diff = received.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char r = i < received.size() ? static_cast<unsigned char>(received[i])
                                                : static_cast<unsigned char>(0);
    diff |= static_cast<unsigned char>(r ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

bool SignatureMatches(std::string_view auth_token, std::string_view body,
                      std::string_view received) {
  return ConstantTimeEquals(received, ContentSignature(auth_token, body));
}

}  // namespace vikno::viber
