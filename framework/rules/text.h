// Ukrainian-aware text helpers behind vikno.text (issue 3): case folding of
// Cyrillic (including І/і, Ї/ї, Є/є, Ґ/ґ), the apostrophe's many spellings,
// and matching of whole words and of word stems. Residents type on phones:
// "Під’їзд", "під'їзд", "підʼїзд" and "ПІД`ЇЗД" must all be the same word.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vikno::rules {

// Lower-cases ASCII and Cyrillic letters, turns every apostrophe variant
// (' ’ ʼ ` ‘ ´ ′ ʹ) into the ASCII apostrophe, and keeps everything else.
// Invalid UTF-8 bytes are kept as they are.
std::string FoldCase(std::string_view text);

// Splits folded text into words: runs of letters, digits and apostrophes
// inside a word. Punctuation and spaces separate words; a leading or trailing
// apostrophe (a quote mark) is dropped.
std::vector<std::string> Words(std::string_view text);

// FoldCase + Words joined by single spaces: "Немає  ВОДИ!" -> "немає води".
std::string Normalize(std::string_view text);

// A phrase or a stem sequence, already split into folded words.
using WordSeq = std::vector<std::string>;

WordSeq ToWordSeq(std::string_view phrase);

// True when `phrase` occurs in `words` as consecutive whole words.
bool HasPhrase(const std::vector<std::string>& words, const WordSeq& phrase);

// True when consecutive words of `words` start with the stems of `stems`
// ("нема вод" matches "немає води", "нема водопостачання").
bool HasStems(const std::vector<std::string>& words, const WordSeq& stems);

}  // namespace vikno::rules
