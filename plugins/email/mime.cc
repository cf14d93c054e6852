#include "mime.h"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace vikno::email {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789ABCDEF";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Raw header bytes outside encoded words: UTF-8 when valid, else the
// Cyrillic code page most old Ukrainian mailers used.
std::string RawHeaderToUtf8(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  return ToUtf8(s, "windows-1251");
}

std::string ReplaceInvalidUtf8(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8Length(static_cast<unsigned char>(s[i]));
    if (i + n <= s.size() && IsValidUtf8(s.substr(i, n))) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

// --- transfer encodings ---

std::string Base64Encode(std::string_view bytes, size_t line_length) {
  std::string out;
  out.reserve(bytes.size() * 4 / 3 + bytes.size() / 38 + 8);
  size_t column = 0;
  auto put = [&](char c) {
    if (line_length && column == line_length) {
      out += "\r\n";
      column = 0;
    }
    out += c;
    ++column;
  };
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    put(kB64[(v >> 18) & 63]);
    put(kB64[(v >> 12) & 63]);
    put(kB64[(v >> 6) & 63]);
    put(kB64[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    put(kB64[(v >> 18) & 63]);
    put(kB64[(v >> 12) & 63]);
    put(i + 1 < bytes.size() ? kB64[(v >> 6) & 63] : '=');
    put('=');
  }
  return out;
}

std::string Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;  // '-' and '_': the URL-safe alphabet some mailers use
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string QuotedPrintableEncode(std::string_view text) {
  std::string out;
  size_t column = 0;
  auto emit = [&](std::string_view piece) {
    if (column + piece.size() > 75) {  // room for the soft break's '='
      out += "=\r\n";
      column = 0;
    }
    out.append(piece);
    column += piece.size();
  };
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i, c = '\n';
    if (c == '\n') {
      // Trailing whitespace before a line break must be encoded (§6.7 rule 3).
      if (!out.empty() && column > 0 && (out.back() == ' ' || out.back() == '\t')) {
        char ws = out.back();
        out.pop_back();
        --column;
        emit(std::string("=") + kHex[ws >> 4] + kHex[ws & 15]);
      }
      out += "\r\n";
      column = 0;
      ++i;
      continue;
    }
    size_t n = Utf8Length(c);
    if (i + n > text.size()) n = 1;
    std::string piece;
    for (size_t k = 0; k < n; ++k) {
      unsigned char b = static_cast<unsigned char>(text[i + k]);
      if ((b >= 33 && b <= 126 && b != '=') || b == ' ' || b == '\t') {
        piece += static_cast<char>(b);
      } else {
        piece += '=';
        piece += kHex[b >> 4];
        piece += kHex[b & 15];
      }
    }
    // A dot at the start of a line is safe (SMTP dot-stuffing handles it),
    // but "From " at a line start is mangled by mbox tools: encode the F.
    if (column == 0 && piece == "F" && text.substr(i, 5) == "From ") piece = "=46";
    emit(piece);
    i += n;
  }
  if (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
    char ws = out.back();
    out.pop_back();
    out += std::string("=") + kHex[ws >> 4] + kHex[ws & 15];
  }
  return out;
}

std::string QuotedPrintableDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '=') {
      out += c;
      continue;
    }
    // Soft line break: '=' then optional whitespace then CRLF or LF.
    size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j < text.size() && (text[j] == '\r' || text[j] == '\n')) {
      if (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n') ++j;
      i = j;
      continue;
    }
    if (j == text.size()) break;  // '=' at the very end: a soft break
    if (i + 2 < text.size() + 0 && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// --- charsets ---

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = Utf8Length(c);
    if (c >= 0x80 && n == 1) return false;
    if (c == 0xC0 || c == 0xC1 || c > 0xF4) return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    if (n == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xE0 && c1 < 0xA0) return false;   // overlong
      if (c == 0xED && c1 >= 0xA0) return false;  // surrogates
    }
    if (n == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xF0 && c1 < 0x90) return false;
      if (c == 0xF4 && c1 >= 0x90) return false;
    }
    i += n;
  }
  return true;
}

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  std::string cs = Lower(Trim(charset));
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") {
    return IsValidUtf8(bytes) ? std::string(bytes) : ReplaceInvalidUtf8(bytes);
  }
  if (cs == "unknown-8bit" || cs == "x-unknown") cs = "windows-1251";
  iconv_t cd = iconv_open("UTF-8", cs.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return ReplaceInvalidUtf8(bytes);
  std::string out;
  std::string in(bytes);
  char* inp = in.data();
  size_t inleft = in.size();
  char buffer[4096];
  while (inleft > 0) {
    char* outp = buffer;
    size_t outleft = sizeof buffer;
    size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    out.append(buffer, static_cast<size_t>(outp - buffer));
    if (r == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // Invalid or truncated input: mark it and go on with the next byte.
      out += "\xEF\xBF\xBD";
      ++inp;
      --inleft;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  iconv_close(cd);
  return out;
}

// --- headers ---

std::string EncodeHeaderText(std::string_view utf8, size_t used_on_first_line) {
  if (IsAscii(utf8)) return std::string(utf8);
  // 42 bytes -> 56 base64 characters -> a 68-character word: with
  // "Subject: " or a folding space every line stays within 78.
  constexpr size_t kMaxBytes = 42;
  std::string out;
  size_t column = used_on_first_line;
  for (size_t i = 0; i < utf8.size();) {
    size_t end = i;
    while (end < utf8.size()) {
      size_t n = Utf8Length(static_cast<unsigned char>(utf8[end]));
      if (end + n - i > kMaxBytes) break;
      end += n;
    }
    if (end == i) end = std::min(utf8.size(), i + Utf8Length(static_cast<unsigned char>(utf8[i])));
    std::string word = "=?UTF-8?B?" + Base64Encode(utf8.substr(i, end - i), 0) + "?=";
    if (!out.empty()) {
      if (column + 1 + word.size() > 78) {
        out += "\r\n ";
        column = 1;
      } else {
        out += ' ';
        ++column;
      }
    }
    out += word;
    column += word.size();
    i = end;
  }
  return out;
}

namespace {

// One "=?charset?enc?text?=" at `pos`, or nullopt.
struct EncodedWord {
  size_t length = 0;
  std::string charset;
  std::string bytes;
};

std::optional<EncodedWord> ReadEncodedWord(std::string_view s, size_t pos) {
  if (s.substr(pos, 2) != "=?") return std::nullopt;
  size_t q1 = s.find('?', pos + 2);
  if (q1 == std::string_view::npos) return std::nullopt;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  if (enc != 'B' && enc != 'Q') return std::nullopt;
  size_t end = s.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view charset = s.substr(pos + 2, q1 - pos - 2);
  if (charset.empty() || charset.find_first_of(" \t\r\n") != std::string_view::npos)
    return std::nullopt;
  std::string_view text = s.substr(q1 + 3, end - q1 - 3);
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
  EncodedWord w;
  w.length = end + 2 - pos;
  w.charset = Lower(charset.substr(0, charset.find('*')));  // RFC 2231 §5: charset*lang
  if (enc == 'B') {
    w.bytes = Base64Decode(text);
  } else {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        w.bytes += ' ';
      } else if (text[i] == '=' && i + 2 < text.size() + 0 && HexValue(text[i + 1]) >= 0 &&
                 HexValue(text[i + 2]) >= 0) {
        w.bytes += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
        i += 2;
      } else {
        w.bytes += text[i];
      }
    }
  }
  return w;
}

}  // namespace

std::string DecodeHeaderText(std::string_view raw) {
  std::string out;
  std::string pending_charset, pending_bytes;  // adjacent words of one charset
  std::string plain;                           // text since the last word
  bool after_word = false;
  auto flush_word = [&] {
    if (!pending_charset.empty() || !pending_bytes.empty())
      out += ToUtf8(pending_bytes, pending_charset);
    pending_charset.clear();
    pending_bytes.clear();
  };
  for (size_t i = 0; i < raw.size();) {
    if (auto w = ReadEncodedWord(raw, i)) {
      bool only_space = std::all_of(plain.begin(), plain.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
      });
      if (after_word && only_space) {
        // §6.2: whitespace between adjacent encoded words is not displayed.
        if (w->charset != pending_charset) {
          flush_word();
          pending_charset = w->charset;
        }
        pending_bytes += w->bytes;
      } else {
        flush_word();
        out += RawHeaderToUtf8(plain);
        pending_charset = w->charset;
        pending_bytes = w->bytes;
      }
      plain.clear();
      after_word = true;
      i += w->length;
      continue;
    }
    plain += raw[i];
    ++i;
  }
  flush_word();
  out += RawHeaderToUtf8(plain);
  // Unfold: CRLF followed by whitespace is just the whitespace.
  std::string unfolded;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') continue;
    unfolded += out[i];
  }
  return unfolded;
}

std::string HeaderValue::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

HeaderValue ParseHeaderValue(std::string_view raw) {
  HeaderValue result;
  // Split on ';' outside quotes and comments.
  std::vector<std::string> pieces;
  std::string current;
  bool quoted = false;
  int comment = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (quoted) {
      if (c == '\\' && i + 1 < raw.size()) {
        current += raw[++i];
        continue;
      }
      if (c == '"') quoted = false;
      current += c;
      continue;
    }
    if (comment > 0) {
      if (c == '(') ++comment;
      if (c == ')') --comment;
      continue;
    }
    if (c == '"') {
      quoted = true;
      current += c;
    } else if (c == '(') {
      ++comment;
    } else if (c == ';') {
      pieces.push_back(current);
      current.clear();
    } else if (c != '\r' && c != '\n') {
      current += c;
    }
  }
  pieces.push_back(current);
  result.value = Lower(Trim(pieces[0]));

  // RFC 2231 sections: name -> index -> (encoded?, text).
  struct Section {
    bool encoded = false;
    std::string text;
  };
  std::map<std::string, std::map<int, Section>> sections;
  std::map<std::string, std::string> plain;
  for (size_t k = 1; k < pieces.size(); ++k) {
    std::string_view p = Trim(pieces[k]);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = Lower(Trim(p.substr(0, eq)));
    std::string_view value = Trim(p.substr(eq + 1));
    bool was_quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
    if (was_quoted) value = value.substr(1, value.size() - 2);
    size_t star = name.find('*');
    if (star == std::string::npos) {
      plain[name] = std::string(value);
      continue;
    }
    std::string base = name.substr(0, star);
    std::string rest = name.substr(star + 1);  // "", "0", "0*", "1", "1*"
    Section section;
    int index = 0;
    if (rest.empty()) {
      section.encoded = true;
    } else {
      bool encoded = rest.back() == '*';
      if (encoded) rest.pop_back();
      if (rest.empty() || !std::all_of(rest.begin(), rest.end(), ::isdigit)) continue;
      index = std::stoi(rest.substr(0, 6));
      section.encoded = encoded;
    }
    section.text = std::string(value);
    sections[base][index] = section;
  }
  for (const auto& [name, value] : plain) {
    // A quoted "=?UTF-8?B?...?=" is not allowed by RFC 2047 §5 but is what
    // Outlook, Thunderbird and Gmail write for file names: decode it.
    result.params[name] = DecodeHeaderText(value);
  }
  for (const auto& [name, parts] : sections) {
    std::string charset;
    std::string bytes;
    bool first = true;
    for (const auto& [index, section] : parts) {
      std::string_view text = section.text;
      if (section.encoded) {
        if (first) {
          // charset'language'value
          size_t a = text.find('\'');
          size_t b = a == std::string_view::npos ? a : text.find('\'', a + 1);
          if (b != std::string_view::npos) {
            charset = std::string(text.substr(0, a));
            text = text.substr(b + 1);
          }
        }
        for (size_t i = 0; i < text.size(); ++i) {
          if (text[i] == '%' && i + 2 < text.size() + 0 && HexValue(text[i + 1]) >= 0 &&
              HexValue(text[i + 2]) >= 0) {
            bytes += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
            i += 2;
          } else {
            bytes += text[i];
          }
        }
      } else {
        bytes += text;
      }
      first = false;
    }
    // An RFC 2231 value wins over a plain one of the same name.
    result.params[name] = ToUtf8(bytes, charset.empty() ? "utf-8" : charset);
  }
  return result;
}

std::string EncodeParameter(const std::string& name, std::string_view utf8) {
  bool plain_ok = IsAscii(utf8) && utf8.find_first_of("\"\\\r\n") == std::string_view::npos &&
                  utf8.size() + name.size() < 60;
  if (plain_ok) return "; " + name + "=\"" + std::string(utf8) + "\"";
  // Percent-encode everything but attribute-chars (RFC 2231 §7), in
  // segments of at most 60 characters that never split a %XX.
  std::vector<std::string> segments(1);
  for (size_t i = 0; i < utf8.size();) {
    size_t n = Utf8Length(static_cast<unsigned char>(utf8[i]));
    if (i + n > utf8.size()) n = 1;
    std::string piece;
    for (size_t k = 0; k < n; ++k) {
      unsigned char b = static_cast<unsigned char>(utf8[i + k]);
      if (std::isalnum(b) || std::strchr("!#$&+-.^_`|~", b) != nullptr) {
        piece += static_cast<char>(b);
      } else {
        piece += '%';
        piece += kHex[b >> 4];
        piece += kHex[b & 15];
      }
    }
    if (segments.back().size() + piece.size() > 60) segments.emplace_back();
    segments.back() += piece;
    i += n;
  }
  std::string out;
  if (segments.size() == 1) return ";\r\n " + name + "*=UTF-8''" + segments[0];
  for (size_t k = 0; k < segments.size(); ++k) {
    out +=
        ";\r\n " + name + "*" + std::to_string(k) + "*=" + (k == 0 ? "UTF-8''" : "") + segments[k];
  }
  return out;
}

MailAddress ParseAddress(std::string_view decoded) {
  MailAddress a;
  std::string_view s = Trim(decoded);
  size_t lt = s.rfind('<');
  size_t gt = lt == std::string_view::npos ? lt : s.find('>', lt);
  std::string_view addr, name;
  if (lt != std::string_view::npos && gt != std::string_view::npos) {
    addr = Trim(s.substr(lt + 1, gt - lt - 1));
    name = Trim(s.substr(0, lt));
  } else {
    // "ivan@example.com (Іван)" or a bare address.
    size_t paren = s.find('(');
    addr = Trim(s.substr(0, paren));
    if (paren != std::string_view::npos) {
      size_t close = s.find(')', paren);
      name = Trim(s.substr(paren + 1, close == std::string_view::npos ? close : close - paren - 1));
    }
  }
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = name.substr(1, name.size() - 2);
  std::string n;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\' && i + 1 < name.size()) ++i;
    n += name[i];
  }
  a.name = std::string(Trim(n));
  if (!IsMailAddress(addr)) return MailAddress{"", a.name};
  size_t at = addr.rfind('@');
  a.address = std::string(addr.substr(0, at)) + Lower(addr.substr(at));
  return a;
}

bool IsMailAddress(std::string_view address) {
  if (address.size() < 3 || address.size() > 254) return false;
  size_t at = address.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= address.size()) return false;
  if (address.find('@') != at) return false;
  for (char c : address) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127 || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == '"' || c == '\\' || c == '[' || c == ']')
      return false;
  }
  std::string_view domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
}

// --- messages ---

std::string MimePart::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (IEquals(n, name)) return v;
  return "";
}

std::string MimePart::FileName() const {
  std::string name = disposition.Param("filename");
  if (name.empty()) name = content_type.Param("name");
  // Never a path: a resident's "..\..\x" or "/etc/x" becomes its last part.
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  return std::string(Trim(name));
}

namespace {

// Splits `raw` into its header block and body at the first empty line.
void SplitHeaders(std::string_view raw, std::vector<std::pair<std::string, std::string>>* headers,
                  std::string_view* body) {
  size_t pos = 0;
  std::string name, value;
  auto commit = [&] {
    if (!name.empty()) headers->emplace_back(std::string(Trim(name)), std::string(Trim(value)));
    name.clear();
    value.clear();
  };
  while (pos < raw.size()) {
    size_t eol = raw.find('\n', pos);
    size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
    std::string_view line =
        raw.substr(pos, (eol == std::string_view::npos ? raw.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      pos = next;
      commit();
      *body = raw.substr(std::min(pos, raw.size()));
      return;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !name.empty()) {
      value += ' ';
      value += Trim(line);
    } else {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        // Not a header: the message has no header/body separator; treat the
        // rest as the body rather than losing it.
        commit();
        *body = raw.substr(pos);
        return;
      }
      commit();
      name = std::string(line.substr(0, colon));
      value = std::string(line.substr(colon + 1));
    }
    pos = next;
  }
  commit();
  *body = std::string_view();
}

MimePart ParsePart(std::string_view raw, int depth, const char* default_type) {
  MimePart part;
  std::string_view body;
  SplitHeaders(raw, &part.headers, &body);
  std::string ct = part.Header("Content-Type");
  part.content_type = ParseHeaderValue(ct.empty() ? default_type : ct);
  if (part.content_type.value.find('/') == std::string::npos)
    part.content_type = ParseHeaderValue("text/plain");
  part.disposition = ParseHeaderValue(part.Header("Content-Disposition"));

  const std::string& type = part.content_type.value;
  std::string boundary = part.content_type.Param("boundary");
  if (type.rfind("multipart/", 0) == 0 && !boundary.empty() && depth < 20) {
    const char* child_default = type == "multipart/digest" ? "message/rfc822" : "text/plain";
    const std::string delimiter = "--" + boundary;
    // Find each delimiter line; the preamble before the first is ignored.
    std::vector<std::pair<size_t, size_t>> bounds;  // start of delimiter line, start of next line
    size_t pos = 0;
    bool closed = false;
    while (pos <= body.size()) {
      size_t found = body.find(delimiter, pos);
      if (found == std::string_view::npos) break;
      bool at_line_start = found == 0 || body[found - 1] == '\n';
      size_t after = found + delimiter.size();
      if (!at_line_start) {
        pos = after;
        continue;
      }
      bool last = body.substr(after, 2) == "--";
      size_t eol = body.find('\n', after);
      size_t next = eol == std::string_view::npos ? body.size() : eol + 1;
      bounds.emplace_back(found, next);
      pos = next;
      if (last) {
        closed = true;
        break;
      }
    }
    for (size_t k = 0; k < bounds.size(); ++k) {
      bool last_bound = k + 1 == bounds.size();
      if (last_bound && closed) break;
      size_t start = bounds[k].second;
      size_t end = last_bound ? body.size() : bounds[k + 1].first;
      // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
      if (end > start && body[end - 1] == '\n') --end;
      if (end > start && body[end - 1] == '\r') --end;
      part.parts.push_back(ParsePart(body.substr(start, end - start), depth + 1, child_default));
    }
    if (!bounds.empty()) return part;
    // No delimiter at all: keep the body as text rather than lose it.
    HeaderValue as_text = ParseHeaderValue("text/plain");
    as_text.params = part.content_type.params;
    part.content_type = as_text;
  }

  std::string cte = Lower(Trim(part.Header("Content-Transfer-Encoding")));
  if (cte == "base64") {
    part.body = Base64Decode(body);
  } else if (cte == "quoted-printable") {
    part.body = QuotedPrintableDecode(body);
  } else {
    part.body = std::string(body);
  }
  return part;
}

std::string StripAngles(std::string_view s) {
  s = Trim(s);
  size_t lt = s.find('<');
  size_t gt = s.find('>', lt == std::string_view::npos ? 0 : lt);
  if (lt != std::string_view::npos && gt != std::string_view::npos)
    return std::string(s.substr(lt + 1, gt - lt - 1));
  return std::string(s);
}

std::string TextOf(const MimePart& part) {
  std::string text = ToUtf8(part.body, part.content_type.Param("charset"));
  // Normalise line ends to \n for the conversation.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      out += '\n';
      continue;
    }
    out += text[i];
  }
  if (Lower(part.content_type.Param("format")) == "flowed") {
    // RFC 3676: a line ending in a space continues on the next line.
    std::string joined;
    size_t start = 0;
    while (start <= out.size()) {
      size_t eol = out.find('\n', start);
      std::string line =
          out.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
      bool soft = !line.empty() && line.back() == ' ' && line != "-- ";
      joined += line;
      if (eol == std::string::npos) break;
      if (!soft) joined += '\n';
      start = eol + 1;
    }
    out = joined;
  }
  return out;
}

struct Walk {
  const MimePart* plain = nullptr;
  const MimePart* html = nullptr;
  std::vector<MailFile> files;
};

void Collect(const MimePart& part, Walk* walk) {
  const std::string& type = part.content_type.value;
  if (!part.parts.empty()) {
    for (const auto& child : part.parts) Collect(child, walk);
    return;
  }
  std::string name = part.FileName();
  bool attachment = part.disposition.value == "attachment" || !name.empty();
  if (type == "text/plain" && !attachment) {
    if (walk->plain == nullptr) walk->plain = &part;
    return;
  }
  if (type == "text/html" && !attachment) {
    if (walk->html == nullptr) walk->html = &part;
    return;
  }
  if (type == "message/delivery-status" || type == "text/rfc822-headers") return;
  if (name.empty()) name = type == "message/rfc822" ? "message.eml" : "attachment";
  walk->files.push_back(MailFile{name, type, part.body});
}

}  // namespace

MimePart ParseMime(std::string_view raw) { return ParsePart(raw, 0, "text/plain"); }

ReadMail ReadMessage(std::string_view raw) {
  MimePart root = ParseMime(raw);
  ReadMail m;
  m.message_id = StripAngles(root.Header("Message-ID"));
  m.from = ParseAddress(DecodeHeaderText(root.Header("From")));
  if (std::string rt = root.Header("Reply-To"); !rt.empty())
    m.reply_to = ParseAddress(DecodeHeaderText(rt));
  m.subject = DecodeHeaderText(root.Header("Subject"));
  m.in_reply_to = StripAngles(root.Header("In-Reply-To"));
  m.references = std::string(Trim(root.Header("References")));
  if (std::string date = root.Header("Date"); !date.empty()) {
    try {
      int tzd = 0;
      Poco::DateTime dt = Poco::DateTimeParser::parse(std::string(Trim(date)), tzd);
      dt.makeUTC(tzd);
      m.date = std::chrono::system_clock::time_point(
          std::chrono::microseconds(dt.timestamp().epochMicroseconds()));
    } catch (const Poco::Exception&) {
      // An unreadable Date is left unknown; the host stamps its own time.
    }
  }
  std::string auto_submitted = Lower(Trim(root.Header("Auto-Submitted")));
  std::string precedence = Lower(Trim(root.Header("Precedence")));
  m.automatic = (!auto_submitted.empty() && auto_submitted != "no") || precedence == "bulk" ||
                precedence == "junk" || precedence == "list" ||
                Trim(root.Header("Return-Path")) == "<>" ||
                root.content_type.value == "multipart/report";

  Walk walk;
  Collect(root, &walk);
  if (walk.plain != nullptr) {
    m.text = TextOf(*walk.plain);
  } else if (walk.html != nullptr) {
    m.text = HtmlToText(TextOf(*walk.html));
  }
  m.files = std::move(walk.files);
  return m;
}

std::string StripQuotedReply(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t eol = text.find('\n', start);
    std::string line(
        text.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    if (eol == std::string_view::npos) break;
    start = eol + 1;
  }
  auto is_quote = [](const std::string& l) {
    std::string_view t = Trim(l);
    return !t.empty() && t[0] == '>';
  };
  auto is_attribution = [](const std::string& l) {
    std::string t = Lower(Trim(l));
    if (t.empty() || t.back() != ':') return false;
    for (const char* w :
         {"wrote:", "пише:", "писал:", "писала:", "написав:", "написала:", "написал:",
          "написал(а):", "написав(ла):", "пише(е):", "schrieb:", "a écrit :"}) {
      if (t.size() >= std::strlen(w) &&
          t.compare(t.size() - std::strlen(w), std::strlen(w), w) == 0)
        return true;
    }
    return false;
  };
  auto is_separator = [](const std::string& l) {
    std::string t = Lower(Trim(l));
    if (t == "-- " || Trim(l) == "--") return l == "-- " || l == "--";
    for (const char* w : {"-----original message-----", "-----исходное сообщение-----",
                          "-----оригінальне повідомлення-----", "-------- original message",
                          "-------- исходное сообщение", "-------- оригінальне повідомлення",
                          "-------- forwarded message", "________________________________"}) {
      if (t.rfind(w, 0) == 0) return true;
    }
    return false;
  };
  std::vector<std::string> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_separator(lines[i])) break;
    if (is_quote(lines[i])) continue;
    if (is_attribution(lines[i])) {
      // Only when what follows is quoted (or nothing): "Ось що я написав:"
      // in the resident's own text followed by their words is kept.
      bool quoted_after = true;
      for (size_t k = i + 1; k < lines.size(); ++k) {
        if (Trim(lines[k]).empty()) continue;
        quoted_after = is_quote(lines[k]);
        break;
      }
      if (quoted_after) {
        // Gmail wraps a long attribution: "On Mon, 1 Jan ... Іван" / "<x@y> wrote:".
        if (!kept.empty() && !Trim(kept.back()).empty() && Trim(lines[i]).front() == '<')
          kept.pop_back();
        continue;
      }
    }
    kept.push_back(lines[i]);
  }
  while (!kept.empty() && Trim(kept.back()).empty()) kept.pop_back();
  size_t first = 0;
  while (first < kept.size() && Trim(kept[first]).empty()) ++first;
  std::string out;
  for (size_t i = first; i < kept.size(); ++i) {
    if (i > first) out += '\n';
    std::string_view l = kept[i];
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    out.append(l);
  }
  return out;
}

std::string HtmlToText(std::string_view html) {
  std::string out;
  int skip_depth = 0;  // inside <blockquote>, <style>, <script>, <head>
  for (size_t i = 0; i < html.size();) {
    if (html[i] == '<') {
      size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;
      std::string tag = Lower(html.substr(i + 1, end - i - 1));
      bool closing = !tag.empty() && tag[0] == '/';
      std::string name = tag.substr(closing ? 1 : 0);
      name = name.substr(0, name.find_first_of(" \t\r\n/"));
      if (name == "blockquote" || name == "style" || name == "script" || name == "head") {
        skip_depth += closing ? -1 : 1;
        if (skip_depth < 0) skip_depth = 0;
      } else if (skip_depth == 0 &&
                 (name == "br" || name == "p" || name == "div" || name == "li" || name == "tr" ||
                  name == "h1" || name == "h2" || name == "h3")) {
        if (!(closing && name == "br") && !out.empty() && out.back() != '\n') out += '\n';
      }
      i = end + 1;
      continue;
    }
    if (skip_depth > 0) {
      ++i;
      continue;
    }
    if (html[i] == '&') {
      size_t semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        std::string entity = Lower(html.substr(i + 1, semi - i - 1));
        uint32_t cp = 0;
        if (entity == "amp")
          cp = '&';
        else if (entity == "lt")
          cp = '<';
        else if (entity == "gt")
          cp = '>';
        else if (entity == "quot")
          cp = '"';
        else if (entity == "apos")
          cp = '\'';
        else if (entity == "nbsp")
          cp = ' ';
        else if (entity.size() > 1 && entity[0] == '#') {
          try {
            cp = entity[1] == 'x' ? static_cast<uint32_t>(std::stoul(entity.substr(2), nullptr, 16))
                                  : static_cast<uint32_t>(std::stoul(entity.substr(1)));
          } catch (const std::exception&) {
            cp = 0;
          }
        }
        if (cp == 0xA0) cp = ' ';
        if (cp != 0 && cp < 0x110000 && !(cp >= 0xD800 && cp < 0xE000)) {
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          i = semi + 1;
          continue;
        }
      }
    }
    char c = html[i];
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n')) {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return std::string(Trim(out));
}

std::optional<std::string> AppealNumber(std::string_view text) {
  // "№" is E2 84 96 in UTF-8.
  for (size_t i = 0; i < text.size(); ++i) {
    size_t after = std::string_view::npos;
    if (text.substr(i, 3) == "\xE2\x84\x96") {
      after = i + 3;
    } else if (text[i] == '#') {
      after = i + 1;
    } else if ((text[i] == 'N' || text[i] == 'n') &&
               (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))) &&
               i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '.')) {
      after = i + 1;
      if (text[after] == '.') ++after;
    }
    if (after == std::string_view::npos) continue;
    size_t j = after;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j - after > 2) continue;
    size_t k = j;
    while (k < text.size() && (std::isdigit(static_cast<unsigned char>(text[k])) ||
                               ((text[k] == '-' || text[k] == '/') && k + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[k + 1])) && k > j)))
      ++k;
    if (k > j) return std::string(text.substr(j, k - j));
  }
  return std::nullopt;
}

}  // namespace vikno::email
