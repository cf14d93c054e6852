// UTF-8 <-> code points for the conversation's text handling (edit distances
// count letters, not bytes: "ї" is one edit, not two).
#pragma once

#include <string>
#include <string_view>

namespace vikno::conversation {

// Decodes UTF-8; a malformed byte becomes U+FFFD so that nothing is lost
// silently and a match against it simply fails.
std::u32string ToU32(std::string_view text);
std::string ToUtf8(std::u32string_view text);

// Number of code points (for length limits the resident reads as letters).
size_t CodePoints(std::string_view text);

}  // namespace vikno::conversation
