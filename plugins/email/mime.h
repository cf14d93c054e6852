// MIME for the e-mail channel: our own encoders and decoders for what
// residents' mail programs send (RFC 2045 transfer encodings, RFC 2046
// multipart, RFC 2047 encoded words, RFC 2231 parameters) and a lenient
// reader that turns a raw message into the parts the channel needs.
//
// Why not Poco::Net::MailMessage for reading: Poco 1.11 inserts a space
// between adjacent encoded words ("Ответ по зая вке"), decodes the Subject
// already inside read() (decoding again throws "Out of range"), and does not
// join RFC 2231 continuations (CHANNELS.md §4). Every function here is pure
// and never throws; malformed input degrades to the raw bytes, never to a
// lost message.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vikno::email {

// --- transfer encodings (RFC 2045 §6.7, §6.8) ---

// Base64 with CRLF after every `line_length` characters (0: one line).
std::string Base64Encode(std::string_view bytes, size_t line_length = 76);
// Skips whitespace and anything outside the alphabet; stops at '='.
std::string Base64Decode(std::string_view text);
// Quoted-printable of UTF-8 text with CRLF line ends, soft breaks keeping
// lines within 76 characters, never splitting an =XX escape or a UTF-8
// sequence across a soft break.
std::string QuotedPrintableEncode(std::string_view text);
// Lenient: a malformed =XX is kept as written.
std::string QuotedPrintableDecode(std::string_view text);

// --- charsets ---

// `bytes` in `charset` (any name iconv knows: utf-8, windows-1251, koi8-u,
// koi8-r, iso-8859-5, cp866, ...) as UTF-8. Unknown charsets and invalid
// bytes fall back to the input with invalid sequences replaced by U+FFFD,
// so a resident's text is never dropped.
std::string ToUtf8(std::string_view bytes, std::string_view charset);
bool IsValidUtf8(std::string_view text);

// --- headers (RFC 5322, RFC 2047, RFC 2231) ---

// RFC 2047 encoded words for a header value that starts after
// `used_on_first_line` characters ("Subject: " is 9). ASCII-only text is
// returned as is. Each word holds whole UTF-8 characters only and every line
// stays within 78 characters; lines are folded with CRLF + space.
std::string EncodeHeaderText(std::string_view utf8, size_t used_on_first_line);
// Decodes encoded words (B and Q, any charset, RFC 2231 language suffix)
// into UTF-8. Whitespace between two adjacent encoded words is dropped
// (RFC 2047 §6.2), and adjacent words in one charset are joined before
// conversion, so a character split across two words survives. Text outside
// encoded words is taken as UTF-8 (or windows-1251 when it is not valid
// UTF-8: old Ukrainian mailers send raw 8-bit headers).
std::string DecodeHeaderText(std::string_view raw);

// A structured header value: "type/subtype; name=value; ..." with
// parameter names in lower case and values decoded to UTF-8 (RFC 2231
// continuations and charsets joined; an RFC 2047 word inside a quoted value,
// which many mailers write for file names, decoded as well).
struct HeaderValue {
  std::string value;  // lower case, trimmed ("multipart/mixed", "attachment")
  std::map<std::string, std::string> params;
  std::string Param(const std::string& name) const;
};
HeaderValue ParseHeaderValue(std::string_view raw);

// An RFC 2231 `name*=UTF-8''...` parameter (with continuations name*0*,
// name*1*, ... when long), each segment on its own folded line, preceded by
// "; ". ASCII-only values that need no quoting come out as name="value".
std::string EncodeParameter(const std::string& name, std::string_view utf8);

// "Іван Петренко <ivan@example.com>" -> {address, display name}; the
// address is lower-cased in its domain only. Empty address when none found.
struct MailAddress {
  std::string address;
  std::string name;
};
MailAddress ParseAddress(std::string_view decoded);
// A plausible single addr-spec (local@domain, no spaces, brackets or control
// characters): what a chat id of this channel must be.
bool IsMailAddress(std::string_view address);

// --- messages ---

struct MimePart {
  std::vector<std::pair<std::string, std::string>> headers;  // name, unfolded raw value
  HeaderValue content_type;                                  // "text/plain" when absent
  HeaderValue disposition;                                   // value "" when absent
  std::string body;                                          // transfer-decoded bytes
  std::vector<MimePart> parts;                               // multipart children
  // The first header `name` (case-insensitive), unfolded, not decoded.
  std::string Header(std::string_view name) const;
  // The file name (filename, else name), decoded.
  std::string FileName() const;
};
// Parses a whole message (CRLF or LF line ends). Missing boundaries, a
// truncated message, unknown encodings: whatever can be read is returned.
MimePart ParseMime(std::string_view raw);

struct MailFile {
  std::string file_name;
  std::string content_type;
  std::string data;
};

// What the channel reads from an incoming message.
struct ReadMail {
  std::string message_id;  // without <>, empty when the message has none
  MailAddress from;
  MailAddress reply_to;  // empty address when absent
  std::string subject;   // decoded
  std::string in_reply_to;
  std::string references;
  std::optional<std::chrono::system_clock::time_point> date;
  std::string text;  // the body as UTF-8 (text/plain, else text/html as text)
  std::vector<MailFile> files;
  // Auto-Submitted: auto-*, Precedence bulk/junk/list, a null return path:
  // vacation replies and bounces that must not be answered (RFC 3834).
  bool automatic = false;
};
ReadMail ReadMessage(std::string_view raw);

// The resident's own words: the body without the quoted message it answers
// (">" lines and the "... wrote:" / "... пише:" line before them, an
// "-----Original Message-----" block and what follows, a "-- " signature),
// trailing blank lines trimmed.
std::string StripQuotedReply(std::string_view text);

// Plain text from HTML: tags dropped, <br>/<p>/<div>/<li> as line breaks,
// <blockquote>, <style> and <script> contents dropped, entities decoded.
std::string HtmlToText(std::string_view html);

// The appeal number in a subject or a first line: "№ 123", "№123",
// "N 123", "#123" (also "2026/17", "123-4"). The first match wins.
std::optional<std::string> AppealNumber(std::string_view text);

}  // namespace vikno::email
