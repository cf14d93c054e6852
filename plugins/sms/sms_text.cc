#include "sms_text.h"

#include <cctype>
#include <cstdio>
#include <map>

namespace vikno::sms {
namespace {

bool IsHigh(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool IsLow(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<std::u16string> Utf8ToUtf16(const std::string& utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    uint32_t cp;
    size_t n;
    if (b0 < 0x80) {
      cp = b0;
      n = 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      cp = b0 & 0x1F;
      n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      cp = b0 & 0x0F;
      n = 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      cp = b0 & 0x07;
      n = 4;
    } else {
      return std::nullopt;
    }
    if (i + n > utf8.size()) return std::nullopt;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return std::nullopt;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += n;
  }
  return out;
}

std::string Utf16ToUtf8(const std::u16string& s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (size_t i = 0; i < s.size(); ++i) {
    char16_t u = s[i];
    if (IsHigh(u) && i + 1 < s.size() && IsLow(s[i + 1])) {
      uint32_t cp = 0x10000 + ((static_cast<uint32_t>(u) - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      AppendUtf8(out, cp);
      ++i;
    } else if (IsHigh(u) || IsLow(u)) {
      AppendUtf8(out, 0xFFFD);
    } else {
      AppendUtf8(out, u);
    }
  }
  return out;
}

std::string ToUcs2Be(const std::u16string& text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char16_t u : text) {
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u & 0xFF));
  }
  return out;
}

std::u16string FromUcs2Be(const std::string& octets) {
  std::u16string out;
  out.reserve(octets.size() / 2);
  for (size_t i = 0; i + 1 < octets.size(); i += 2)
    out.push_back(static_cast<char16_t>((static_cast<unsigned char>(octets[i]) << 8) |
                                        static_cast<unsigned char>(octets[i + 1])));
  return out;
}

std::u16string DecodeGsmUnpacked(const std::string& octets) {
  static const char16_t kBasic[129] =
      u"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      u"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  std::u16string out;
  for (size_t i = 0; i < octets.size(); ++i) {
    const auto c = static_cast<unsigned char>(octets[i]);
    if (c > 0x7F) {
      out.push_back(u'\uFFFD');
    } else if (c == 0x1B && i + 1 < octets.size()) {
      switch (static_cast<unsigned char>(octets[++i])) {
        case 0x0A:
          out.push_back(u'\f');
          break;
        case 0x14:
          out.push_back(u'^');
          break;
        case 0x28:
          out.push_back(u'{');
          break;
        case 0x29:
          out.push_back(u'}');
          break;
        case 0x2F:
          out.push_back(u'\\');
          break;
        case 0x3C:
          out.push_back(u'[');
          break;
        case 0x3D:
          out.push_back(u'~');
          break;
        case 0x3E:
          out.push_back(u']');
          break;
        case 0x40:
          out.push_back(u'|');
          break;
        case 0x65:
          out.push_back(u'€');
          break;
        default:
          out.push_back(u' ');
          break;  // TS 23.038: unknown escapes show as space
      }
    } else {
      out.push_back(kBasic[c]);
    }
  }
  return out;
}

std::u16string DecodeLatin1(const std::string& octets) {
  std::u16string out;
  for (unsigned char c : octets) out.push_back(c);
  return out;
}

std::vector<std::u16string> SplitUcs2(const std::u16string& text, bool sixteen_bit_ref) {
  if (text.size() <= kUcs2Single) return {text};
  const size_t per = sixteen_bit_ref ? kUcs2PerPart16 : kUcs2PerPart8;
  std::vector<std::u16string> parts;
  size_t at = 0;
  while (at < text.size()) {
    size_t n = std::min(per, text.size() - at);
    // Never leave a high surrogate at the end of a part: its low half would
    // open the next part and both would show as garbage (issue 7).
    if (at + n < text.size() && IsHigh(text[at + n - 1])) --n;
    parts.push_back(text.substr(at, n));
    at += n;
  }
  return parts;
}

std::string ConcatUdh(uint16_t ref, uint8_t total, uint8_t seq, bool sixteen_bit_ref) {
  std::string udh;
  if (sixteen_bit_ref) {
    udh = {0x06,
           0x08,
           0x04,
           static_cast<char>(ref >> 8),
           static_cast<char>(ref & 0xFF),
           static_cast<char>(total),
           static_cast<char>(seq)};
  } else {
    udh = {0x05,
           0x00,
           0x03,
           static_cast<char>(ref & 0xFF),
           static_cast<char>(total),
           static_cast<char>(seq)};
  }
  return udh;
}

UdhSplit SplitUdh(const std::string& sm, bool has_udhi) {
  UdhSplit r;
  if (!has_udhi) {
    r.payload = sm;
    return r;
  }
  if (sm.empty()) {
    r.ok = false;
    return r;
  }
  const size_t udhl = static_cast<unsigned char>(sm[0]);
  if (1 + udhl > sm.size()) {
    r.ok = false;
    return r;
  }
  r.payload = sm.substr(1 + udhl);
  // Walk the information elements; unknown ones are skipped (TS 23.040 §9.2.3.24).
  size_t p = 1;
  const size_t end = 1 + udhl;
  while (p + 2 <= end) {
    const auto iei = static_cast<unsigned char>(sm[p]);
    const size_t len = static_cast<unsigned char>(sm[p + 1]);
    if (p + 2 + len > end) {
      r.ok = false;
      return r;
    }
    const auto* v = reinterpret_cast<const unsigned char*>(sm.data() + p + 2);
    ConcatInfo c;
    bool found = false;
    if (iei == 0x00 && len == 3) {
      c.ref = v[0];
      c.total = v[1];
      c.seq = v[2];
      found = true;
    } else if (iei == 0x08 && len == 4) {
      c.ref = static_cast<uint16_t>((v[0] << 8) | v[1]);
      c.total = v[2];
      c.seq = v[3];
      c.sixteen_bit = true;
      found = true;
    }
    // §9.2.3.24.1: total 0 or a sequence outside 1..total means "ignore the IE".
    if (found && c.total >= 1 && c.seq >= 1 && c.seq <= c.total) r.concat = c;
    p += 2 + len;
  }
  return r;
}

std::optional<Receipt> ParseReceipt(const std::string& text,
                                    const std::optional<std::string>& tlv_message_id,
                                    std::optional<uint8_t> tlv_message_state) {
  // "id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E
  // text:..."
  std::map<std::string, std::string> fields;
  const std::string keys[] = {"id:", "stat:", "err:"};
  for (const std::string& key : keys) {
    size_t at = 0;
    while ((at = text.find(key, at)) != std::string::npos) {
      // A key starts the text or follows a space ("submit date:" must not match "date:").
      if (at == 0 || text[at - 1] == ' ') break;
      at += key.size();
    }
    if (at == std::string::npos) continue;
    size_t begin = at + key.size();
    size_t end = text.find(' ', begin);
    fields[key] = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  Receipt r;
  if (tlv_message_id && !tlv_message_id->empty()) {
    r.message_id = *tlv_message_id;
  } else if (fields.count("id:") && !fields["id:"].empty()) {
    r.message_id = fields["id:"];
  } else {
    return std::nullopt;
  }
  r.stat = fields.count("stat:") ? fields["stat:"] : "";
  r.error = fields.count("err:") ? fields["err:"] : "";
  if (tlv_message_state) {
    switch (*tlv_message_state) {
      case 2:
        r.outcome = Receipt::Outcome::kDelivered;
        break;  // DELIVERED
      case 3:   // EXPIRED
      case 4:   // DELETED
      case 5:   // UNDELIVERABLE
      case 8:
        r.outcome = Receipt::Outcome::kFailed;
        break;  // REJECTED
      default:
        r.outcome = Receipt::Outcome::kPending;
        break;  // ENROUTE, ACCEPTED, UNKNOWN
    }
  } else if (r.stat == "DELIVRD") {
    r.outcome = Receipt::Outcome::kDelivered;
  } else if (r.stat == "UNDELIV" || r.stat == "EXPIRED" || r.stat == "REJECTD" ||
             r.stat == "DELETED") {
    r.outcome = Receipt::Outcome::kFailed;
  }
  return r;
}

std::optional<std::string> NormalizeReceiptId(const std::string& id, ReceiptIdForm form) {
  if (form == ReceiptIdForm::kSame) return id;
  try {
    size_t used = 0;
    if (form == ReceiptIdForm::kSubmitHexReceiptDecimal) {
      if (!AllDigits(id)) return std::nullopt;
      unsigned long long v = std::stoull(id, &used, 10);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%llx", v);
      return std::string(buf);
    }
    for (char c : id)
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    unsigned long long v = std::stoull(id, &used, 16);
    return std::to_string(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string ChatIdFromAddress(const std::string& addr, uint8_t ton,
                              const std::string& country_code) {
  std::string digits = addr;
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  if (!AllDigits(digits)) return addr;  // alphanumeric sender: as written
  if (ton == 1 || addr[0] == '+') return "+" + digits;
  if (!country_code.empty()) {
    if (digits.rfind("00", 0) == 0) return "+" + digits.substr(2);  // international prefix
    if (digits[0] == '0') return "+" + country_code + digits.substr(1);
    if (digits.rfind(country_code, 0) == 0) return "+" + digits;
  }
  return "+" + digits;
}

std::optional<std::string> DestinationFromChatId(const std::string& chat_id) {
  if (chat_id.size() < 8 || chat_id[0] != '+') return std::nullopt;
  std::string digits = chat_id.substr(1);
  if (!AllDigits(digits) || digits.size() > 15 || digits[0] == '0') return std::nullopt;
  return digits;
}

std::string Fnv1aHex(const std::string& data) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace vikno::sms
