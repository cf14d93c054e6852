// Text rules of the Telegram Bot API that the channel enforces before it
// sends anything: message length, callback data size, UTF-8 validity, and
// the constant-time comparison of the webhook secret.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vikno::telegram {

// sendMessage takes 1..4096 characters; Telegram counts them in UTF-16 code
// units (entity offsets are UTF-16 too), so that is what the splitter counts.
inline constexpr size_t kMaxMessageUnits = 4096;
// InlineKeyboardButton.callback_data: 1-64 bytes.
inline constexpr size_t kMaxCallbackDataBytes = 64;

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF). Telegram refuses anything else with a 400.
bool IsValidUtf8(std::string_view text);

// Length of valid UTF-8 `text` in UTF-16 code units.
size_t Utf16Length(std::string_view text);

// Splits valid UTF-8 `text` into parts of at most `max_units` UTF-16 code
// units each. A cut goes after the last line break in the part, else after
// the last space, else between two code points (never inside a UTF-8
// sequence); a line break or space is only used when it keeps the part at
// least half full, so a long word does not produce a run of tiny parts.
// The separator at a cut is dropped; parts that would be only whitespace are
// left out. Text that fits is returned as one part unchanged.
std::vector<std::string> SplitText(std::string_view text, size_t max_units = kMaxMessageUnits);

// Why `data` cannot be an inline button's callback_data, or nullopt when it
// can (1..64 bytes of valid UTF-8).
std::optional<std::string> CallbackDataProblem(std::string_view data);

// Compares a received secret with the configured one in time that depends
// only on the configured secret's length, so the answer time tells an
// attacker nothing about how many leading bytes were right.
bool ConstantTimeEquals(std::string_view received, std::string_view expected);

}  // namespace vikno::telegram
