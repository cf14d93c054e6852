#include "rules/text.h"

#include <cstdint>

namespace vikno::rules {
namespace {

// Decodes one UTF-8 code point at `i`; returns the code point and advances
// `i`. A malformed byte is returned as is (0x80..0xFF) and skipped alone.
char32_t Decode(std::string_view s, size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD0000u | b0;  // marker: raw byte
  }
  char32_t cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b >> 6) != 0x2) {
      ++i;
      return 0xFFFD0000u | b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

void Encode(char32_t cp, std::string& out) {
  if ((cp & 0xFFFF0000u) == 0xFFFD0000u) {  // raw byte kept
    out.push_back(static_cast<char>(cp & 0xFF));
  } else if (cp < 0x80) {
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

bool IsApostrophe(char32_t cp) {
  switch (cp) {
    case U'\'':      // typewriter
    case U'`':       // grave, a common keyboard substitute
    case U'\u2019':  // right single quotation mark, what phones insert
    case U'\u2018':  // left single quotation mark
    case U'\u02BC':  // modifier letter apostrophe, the official Ukrainian one
    case U'\u00B4':  // acute accent
    case U'\u2032':  // prime
    case U'\u02B9':  // modifier letter prime
      return true;
    default:
      return false;
  }
}

char32_t Fold(char32_t cp) {
  if (cp >= U'A' && cp <= U'Z') return cp + 32;
  if (cp >= 0x0410 && cp <= 0x042F) return cp + 0x20;  // А..Я
  if (cp >= 0x0400 && cp <= 0x040F) return cp + 0x50;  // Ѐ..Џ: Є І Ї Ё Ў
  if (cp == 0x0490) return 0x0491;                     // Ґ
  if (IsApostrophe(cp)) return U'\'';
  return cp;
}

bool IsWordChar(char32_t cp) {
  if (cp >= U'a' && cp <= U'z') return true;
  if (cp >= U'0' && cp <= U'9') return true;
  if (cp >= 0x0430 && cp <= 0x045F) return true;                                  // а..я, ѐ..џ
  if (cp == 0x0491) return true;                                                  // ґ
  if (cp >= 0x00C0 && cp <= 0x024F && cp != 0x00D7 && cp != 0x00F7) return true;  // Latin accents
  return false;
}

}  // namespace

std::string FoldCase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) Encode(Fold(Decode(text, i)), out);
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && cur.back() == '\'') cur.pop_back();
    if (!cur.empty()) words.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < text.size();) {
    char32_t cp = Fold(Decode(text, i));
    if (IsWordChar(cp)) {
      Encode(cp, cur);
    } else if (cp == U'\'' && !cur.empty()) {
      cur.push_back('\'');  // inside a word: під'їзд; trailing ones are dropped by flush
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::string Normalize(std::string_view text) {
  std::string out;
  for (const auto& w : Words(text)) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

WordSeq ToWordSeq(std::string_view phrase) { return Words(phrase); }

bool HasPhrase(const std::vector<std::string>& words, const WordSeq& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    size_t k = 0;
    while (k < phrase.size() && words[i + k] == phrase[k]) ++k;
    if (k == phrase.size()) return true;
  }
  return false;
}

bool HasStems(const std::vector<std::string>& words, const WordSeq& stems) {
  if (stems.empty() || stems.size() > words.size()) return false;
  for (size_t i = 0; i + stems.size() <= words.size(); ++i) {
    size_t k = 0;
    while (k < stems.size() && words[i + k].compare(0, stems[k].size(), stems[k]) == 0) ++k;
    if (k == stems.size()) return true;
  }
  return false;
}

}  // namespace vikno::rules
