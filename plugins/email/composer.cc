#include "composer.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/SHA1Engine.h>
#include <Poco/Timestamp.h>

#include <cctype>
#include <random>

#include "mime.h"

namespace vikno::email {
namespace {

std::string Sha1Hex(const std::string& data) {
  Poco::SHA1Engine sha;
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string RandomHex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += hex[rng() & 15];
  return out;
}

std::string Domain(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

// A display name for From: an RFC 2047 word when not ASCII, else a quoted
// string.
std::string NamedAddress(const std::string& name, const std::string& address) {
  if (name.empty()) return "<" + address + ">";
  bool ascii = true;
  for (char c : name) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii) return EncodeHeaderText(name, 6) + " <" + address + ">";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c != '\r' && c != '\n') quoted += c;
  }
  return quoted + "\" <" + address + ">";
}

// The body of a text part: base64 or quoted-printable, whichever is shorter
// (Cyrillic triples in QP), with the header line naming it.
std::string TextPart(const std::string& type, const std::string& text) {
  std::string qp = QuotedPrintableEncode(text);
  std::string b64 = Base64Encode(text);
  bool use_qp = qp.size() <= b64.size();
  return "Content-Type: " + type + "; charset=UTF-8\r\nContent-Transfer-Encoding: " +
         (use_qp ? "quoted-printable" : "base64") + "\r\n\r\n" + (use_qp ? qp : b64) + "\r\n";
}

std::string HtmlEscape(const std::string& text) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><p>";
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "<br>\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out + "</p></body></html>\n";
}

}  // namespace

std::string MessageIdFor(const std::string& outbox_id, const std::string& from_address) {
  std::string safe;
  for (char c : outbox_id) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') safe += c;
    if (safe.size() >= 40) break;
  }
  // The hash keeps ids distinct that differ only in dropped characters.
  std::string tail = outbox_id.empty() ? RandomHex(16) : Sha1Hex(outbox_id).substr(0, 12);
  return "vikno." + (safe.empty() ? std::string("m") : safe) + "." + tail + "@" +
         Domain(from_address);
}

std::string SubjectFor(const std::string& text, const std::string& fallback) {
  std::string first;
  size_t start = 0;
  while (start < text.size()) {
    size_t eol = text.find('\n', start);
    std::string line =
        text.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t lead = 0;
    while (lead < line.size() && std::isspace(static_cast<unsigned char>(line[lead]))) ++lead;
    line = line.substr(lead);
    if (!line.empty()) {
      first = line;
      break;
    }
    if (eol == std::string::npos) break;
    start = eol + 1;
  }
  // At most 100 characters (not bytes: Cyrillic takes two), cut at a word.
  size_t chars = 0, cut = std::string::npos, last_space = std::string::npos;
  for (size_t i = 0; i < first.size(); ++i) {
    if ((static_cast<unsigned char>(first[i]) & 0xC0) == 0x80) continue;
    if (chars == 100) {
      cut = i;
      break;
    }
    if (first[i] == ' ') last_space = i;
    ++chars;
  }
  if (cut != std::string::npos) {
    if (last_space != std::string::npos && last_space > cut / 2) cut = last_space;
    first = first.substr(0, cut) + "…";
  }
  std::string subject = first.empty() ? fallback : first;
  if (auto number = AppealNumber(text); number && !AppealNumber(subject))
    subject = "[№ " + *number + "] " + subject;
  return subject;
}

Composed Compose(const ComposeOptions& options, const sdk::OutboundMessage& message,
                 std::chrono::system_clock::time_point now) {
  Composed c;
  c.message_id = MessageIdFor(message.id, options.from_address);
  c.subject = SubjectFor(message.text, options.subject_default);
  // The boundary cannot occur in base64 or quoted-printable content: both
  // encode '=' and neither emits "=_".
  const std::string boundary = "=_vikno_" + Sha1Hex(c.message_id).substr(0, 24);
  const std::string alt_boundary = "=_vikno_alt_" + Sha1Hex(c.message_id).substr(0, 20);

  Poco::Timestamp ts(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
  std::string& out = c.bytes;
  out += "Date: " + Poco::DateTimeFormatter::format(ts, "%w, %e %b %Y %H:%M:%S +0000") + "\r\n";
  out += "From: " + NamedAddress(options.from_name, options.from_address) + "\r\n";
  out += "To: <" + message.chat_id + ">\r\n";
  if (!options.reply_to.empty()) out += "Reply-To: <" + options.reply_to + ">\r\n";
  out += "Subject: " + EncodeHeaderText(c.subject, 9) + "\r\n";
  out += "Message-ID: <" + c.message_id + ">\r\n";
  // Replies to a bot's message should go to the mailbox, not to a vacation
  // responder loop (RFC 3834 §5).
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";

  std::string body_part;
  if (options.html) {
    body_part = "Content-Type: multipart/alternative; boundary=\"" + alt_boundary + "\"\r\n\r\n";
    body_part += "--" + alt_boundary + "\r\n" + TextPart("text/plain", message.text);
    body_part += "--" + alt_boundary + "\r\n" + TextPart("text/html", HtmlEscape(message.text));
    body_part += "--" + alt_boundary + "--\r\n";
  } else {
    body_part = TextPart("text/plain", message.text);
  }

  if (message.attachments.empty()) {
    out += body_part;
    return c;
  }
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a multi-part message in MIME format.\r\n";
  out += "--" + boundary + "\r\n" + body_part;
  int n = 0;
  for (const auto& a : message.attachments) {
    ++n;
    std::string name = a.file_name.empty() ? "attachment-" + std::to_string(n) : a.file_name;
    std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
    // Only a plain type/subtype goes into the header: a provider's claim
    // must not inject header lines.
    for (char ch : type)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '.' || ch == '-' ||
            ch == '+'))
        type = "application/octet-stream";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: " + type + EncodeParameter("name", name) + "\r\n";
    out += "Content-Disposition: attachment" + EncodeParameter("filename", name) + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += Base64Encode(a.data) + "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return c;
}

}  // namespace vikno::email
