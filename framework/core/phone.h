// Phone numbers as the framework stores them: E.164 ("+380501234567"), so a
// number shared in Telegram ("380501234567"), typed by an operator
// ("+38 (050) 123-45-67", "050 123 45 67") and an SMS sender's id all name
// the same resident (B13: an SMS from a known phone reaches its resident; R4:
// the operator finds a caller by phone).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vikno {

// The E.164 form of `text`, or nullopt when it is not a phone number: a
// character other than digits and the usual separators (space, '-', '.',
// '(', ')', '/'), a '+' that does not lead, or a digit count outside
// 9..15. Ukrainian forms without the country code are completed: "0XXXXXXXXX"
// (10 digits) and "XXXXXXXXX" (9) get +380, "80XXXXXXXXX" (11, the old
// trunk prefix) gets +3. "00" leads an international number like '+'. Any
// other number of 11..15 digits is taken as international without its '+'
// (how Telegram shares contacts).
std::optional<std::string> NormalizePhone(std::string_view text);

}  // namespace vikno
