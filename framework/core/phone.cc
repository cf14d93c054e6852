#include "core/phone.h"

namespace vikno {

std::optional<std::string> NormalizePhone(std::string_view text) {
  std::string digits;
  bool plus = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+') {
      if (plus || !digits.empty()) return std::nullopt;  // only one, and only in front
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/' &&
               c != '\t') {
      return std::nullopt;
    }
  }
  if (!plus && digits.rfind("00", 0) == 0) {
    plus = true;
    digits.erase(0, 2);
  }
  if (plus) {
    // E.164: a country code never starts with 0, at most 15 digits.
    if (digits.size() < 9 || digits.size() > 15 || digits[0] == '0') return std::nullopt;
    return "+" + digits;
  }
  if (digits.size() == 12 && digits.rfind("380", 0) == 0) return "+" + digits;
  if (digits.size() == 11 && digits.rfind("80", 0) == 0) return "+3" + digits;
  if (digits.size() == 10 && digits[0] == '0') return "+38" + digits;
  if (digits.size() == 9 && digits[0] != '0') return "+380" + digits;
  if (digits.size() >= 11 && digits.size() <= 15 && digits[0] != '0') return "+" + digits;
  return std::nullopt;
}

}  // namespace vikno
