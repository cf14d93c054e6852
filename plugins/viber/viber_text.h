// Text rules of the Viber REST Bot API that the channel enforces before it
// sends anything, and the webhook signature check.
//
// The signature (CHANNELS.md §2, developers.viber.com rest-bot-api#callbacks):
// X-Viber-Content-Signature is the lower-case hex of HMAC-SHA256 with the
// account's auth token as the key over the raw body bytes. It is computed
// over the bytes as received, before any JSON parsing, and compared in
// constant time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vikno::viber {

// send_message "text": at most 7000 characters (Viber counts characters, so
// the splitter counts Unicode code points).
inline constexpr size_t kMaxTextChars = 7000;
// sender.name: at most 28 characters.
inline constexpr size_t kMaxSenderNameChars = 28;
// A request's JSON body: at most 30 KB.
inline constexpr size_t kMaxRequestBytes = 30 * 1024;
// tracking_data: at most 4000 characters.
inline constexpr size_t kMaxTrackingDataChars = 4000;
// Keyboard button ActionBody: at most 250 characters.
inline constexpr size_t kMaxActionBodyChars = 250;
// broadcast_message: at most 300 receivers per call.
inline constexpr size_t kMaxBroadcastReceivers = 300;
// A keyboard shows at most 12 rows (Viber FAQ) of 6 columns.
inline constexpr size_t kMaxKeyboardRows = 12;
inline constexpr size_t kKeyboardColumns = 6;

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Number of code points in valid UTF-8 `text`.
size_t CharCount(std::string_view text);

// Splits valid UTF-8 `text` into parts of at most `max_chars` code points.
// A cut goes after the last line break, else the last space, when that keeps
// the part at least half full; otherwise between two code points. The
// separator at a cut is dropped and whitespace-only parts are left out. Text
// that fits is one part, unchanged.
std::vector<std::string> SplitText(std::string_view text, size_t max_chars = kMaxTextChars);

// The lower-case hex HMAC-SHA256 of `body` keyed with `auth_token`: what
// Viber sends in X-Viber-Content-Signature.
std::string ContentSignature(std::string_view auth_token, std::string_view body);

// Compares in time that depends only on the expected value's length, so the
// answer time tells a forger nothing about how many leading bytes were right.
bool ConstantTimeEquals(std::string_view received, std::string_view expected);

// True when `received` (the header's value) is the signature of `body`.
// Exact comparison, as Viber and its SDK do: upper-case hex is not accepted.
bool SignatureMatches(std::string_view auth_token, std::string_view body,
                      std::string_view received);

}  // namespace vikno::viber
