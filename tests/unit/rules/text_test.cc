// Ukrainian text: case folding of Cyrillic (І/і Ї/ї Є/є Ґ/ґ) and every
// apostrophe residents type (issue 3).
#include "rules/text.h"

#include <gtest/gtest.h>

namespace vikno::rules {
namespace {

TEST(Text, FoldsUkrainianLetters) {
  EXPECT_EQ(FoldCase("ІЇЄҐ"), "іїєґ");
  EXPECT_EQ(FoldCase("НЕМАЄ ВОДИ"), "немає води");
  EXPECT_EQ(FoldCase("Київ ЇЖАК Ґанок Єва"), "київ їжак ґанок єва");
  EXPECT_EQ(FoldCase("ЁЎ ABC"), "ёў abc");
}

TEST(Text, AllApostrophesAreOne) {
  const std::string expected = "під'їзд";
  for (const char* spelling : {"під'їзд", "під’їзд", "підʼїзд", "під`їзд", "ПІД‘ЇЗД", "під´їзд"}) {
    auto w = Words(spelling);
    ASSERT_EQ(w.size(), 1u) << spelling;
    EXPECT_EQ(w[0], expected) << spelling;
  }
}

TEST(Text, WordsDropPunctuationAndQuotes) {
  EXPECT_EQ(Normalize("  «Немає»  води!!! 'вже' 3 дні... "), "немає води вже 3 дні");
}

TEST(Text, StemsAndPhrases) {
  auto w = Words("Немає гарячої ВОДИ в під’їзді");
  EXPECT_TRUE(HasStems(w, ToWordSeq("нема гаряч вод")));
  EXPECT_TRUE(HasStems(w, ToWordSeq("під'їзд")));
  EXPECT_FALSE(HasStems(w, ToWordSeq("нема вод")));  // not consecutive
  EXPECT_TRUE(HasPhrase(w, ToWordSeq("гарячої води")));
  EXPECT_FALSE(HasPhrase(w, ToWordSeq("гаряч")));  // whole words only
}

TEST(Text, InvalidUtf8IsKept) {
  std::string bad = "вода\xff\xfe";
  EXPECT_EQ(FoldCase(bad), bad);
  EXPECT_EQ(Words(bad).size(), 1u);
}

}  // namespace
}  // namespace vikno::rules
