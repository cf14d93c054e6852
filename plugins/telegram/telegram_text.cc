#include "telegram_text.h"

#include <cstdint>

namespace vikno::telegram {
namespace {

// Length in bytes of the well-formed UTF-8 sequence at text[i], or 0.
size_t SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  const size_t left = text.size() - i;
  const auto cont = [&](size_t k) { return (byte(k) & 0xC0) == 0x80; };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    const uint8_t b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    const uint8_t b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
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

size_t Utf16Length(std::string_view text) {
  size_t units = 0;
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n == 0) n = 1;  // not reached for valid input; counts a stray byte once
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

std::vector<std::string> SplitText(std::string_view text, size_t max_units) {
  std::vector<std::string> parts;
  if (max_units < 2) max_units = 2;  // room for one surrogate pair
  size_t pos = 0;
  while (pos < text.size()) {
    // Walk code points until the next one would not fit.
    size_t i = pos;
    size_t units = 0;
    size_t last_newline = std::string_view::npos;  // index of the separator byte
    size_t last_space = std::string_view::npos;
    size_t half = 0;  // byte index where the part becomes half full
    while (i < text.size()) {
      size_t n = SequenceLength(text, i);
      if (n == 0) n = 1;
      const size_t u = n == 4 ? 2 : 1;
      if (units + u > max_units) break;
      if (units < max_units / 2) half = i + n;
      if (text[i] == '\n') last_newline = i;
      if (text[i] == ' ') last_space = i;
      units += u;
      i += n;
    }
    size_t end = i;   // the part is text[pos, end)
    size_t next = i;  // where the next part starts
    if (i < text.size()) {
      if (last_newline != std::string_view::npos && last_newline + 1 >= half) {
        end = last_newline;
        next = last_newline + 1;
      } else if (last_space != std::string_view::npos && last_space + 1 >= half) {
        end = last_space;
        next = last_space + 1;
      }
    }
    std::string_view part = text.substr(pos, end - pos);
    // A cut at "\r\n" leaves the '\r' at the end of the part.
    if (next != i && !part.empty() && part.back() == '\r') part.remove_suffix(1);
    if (!IsBlank(part)) parts.emplace_back(part);
    pos = next;
  }
  return parts;
}

std::optional<std::string> CallbackDataProblem(std::string_view data) {
  if (data.empty()) return "callback data is empty; Telegram needs 1-64 bytes";
  if (data.size() > kMaxCallbackDataBytes)
    return "callback data is " + std::to_string(data.size()) + " bytes; Telegram takes at most 64";
  if (!IsValidUtf8(data)) return "callback data is not valid UTF-8";
  return std::nullopt;
}

bool ConstantTimeEquals(std::string_view received, std::string_view expected) {
  // Walk the expected secret's length whatever was received; fold the length
  // difference in so a prefix does not match.
  uint8_t diff = received.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const uint8_t r = i < received.size() ? static_cast<uint8_t>(received[i]) : 0;
    diff |= static_cast<uint8_t>(r ^ static_cast<uint8_t>(expected[i]));
  }
  return diff == 0;
}

}  // namespace vikno::telegram
