// MO reassembly (plugins/sms/reassembler.h): order, duplicate parts,
// hand-over then commit, a repeat after completion, a failed hand-over that
// completes again, and the time-out that hands over what arrived.
#include "reassembler.h"

#include <gtest/gtest.h>

namespace vikno::sms {
namespace {

using namespace std::chrono_literals;
using Clock = Reassembler::Clock;

Reassembler::Part P(uint8_t seq, std::u16string text, uint16_t ref = 7, uint8_t total = 3,
                    std::string source = "+380501234567") {
  return {std::move(source), ref, total, seq, std::move(text)};
}

TEST(ReassemblerTest, CompletesInAnyOrderAndIgnoresARepeatedPart) {
  Reassembler r(300s, 600s, 100);
  const auto t = Clock::now();
  Reassembler::Message m;
  EXPECT_EQ(r.Add(P(3, u"три"), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.Add(P(1, u"один "), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.Add(P(1, u"один "), t, &m), Reassembler::Outcome::kDuplicate);
  EXPECT_EQ(r.Add(P(2, u"два "), t, &m), Reassembler::Outcome::kComplete);
  EXPECT_EQ(m.text, u"один два три");
  EXPECT_TRUE(m.missing.empty());
  r.Commit(m, t);
  EXPECT_EQ(r.open_groups(), 0u);
  // The SMSC re-sends a part of a message already handed over.
  EXPECT_EQ(r.Add(P(2, u"два "), t + 1s, &m), Reassembler::Outcome::kDuplicate);
  EXPECT_EQ(r.open_groups(), 0u);
}

TEST(ReassemblerTest, GroupsBySourceReferenceAndTotal) {
  Reassembler r(300s, 600s, 100);
  const auto t = Clock::now();
  Reassembler::Message m;
  EXPECT_EQ(r.Add(P(1, u"a", 7, 2), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.Add(P(1, u"b", 7, 2, "+380671111111"), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.Add(P(1, u"c", 8, 2), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.Add(P(2, u"d", 7, 3), t, &m), Reassembler::Outcome::kStored);
  EXPECT_EQ(r.open_groups(), 4u);
  EXPECT_EQ(r.Add(P(2, u"B", 7, 2, "+380671111111"), t, &m), Reassembler::Outcome::kComplete);
  EXPECT_EQ(m.text, u"bB");
  EXPECT_EQ(m.source, "+380671111111");
}

TEST(ReassemblerTest, AFailedHandOverCompletesAgainOnTheResentPart) {
  Reassembler r(300s, 600s, 100);
  const auto t = Clock::now();
  Reassembler::Message m;
  r.Add(P(1, u"a", 9, 2), t, &m);
  ASSERT_EQ(r.Add(P(2, u"b", 9, 2), t, &m), Reassembler::Outcome::kComplete);
  // No Commit: the host refused it; the SMSC sends part 2 again.
  Reassembler::Message again;
  ASSERT_EQ(r.Add(P(2, u"b", 9, 2), t + 1s, &again), Reassembler::Outcome::kComplete);
  EXPECT_EQ(again.text, u"ab");
}

TEST(ReassemblerTest, TimeOutHandsOverWhatArrivedUntilCommitted) {
  Reassembler r(300s, 600s, 100);
  const auto t = Clock::now();
  Reassembler::Message m;
  r.Add(P(1, u"перша "), t, &m);
  r.Add(P(3, u"третя"), t, &m);
  EXPECT_TRUE(r.Expired(t + 299s).empty());
  auto expired = r.Expired(t + 300s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].text, u"перша третя");
  EXPECT_EQ(expired[0].missing, std::vector<uint8_t>{2});
  // Not committed (hand-over failed): offered again next time.
  EXPECT_EQ(r.Expired(t + 301s).size(), 1u);
  r.Commit(expired[0], t + 301s);
  EXPECT_TRUE(r.Expired(t + 302s).empty());
  // The late part 2 is now a duplicate, not a new group.
  EXPECT_EQ(r.Add(P(2, u"друга "), t + 303s, &m), Reassembler::Outcome::kDuplicate);
}

TEST(ReassemblerTest, TooManyOpenGroupsGiveUpTheOldest) {
  Reassembler r(300s, 600s, 2);
  const auto t = Clock::now();
  Reassembler::Message m;
  r.Add(P(1, u"old", 1), t, &m);
  r.Add(P(1, u"mid", 2), t + 1s, &m);
  r.Add(P(1, u"new", 3), t + 2s, &m);
  auto expired = r.Expired(t + 3s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].text, u"old");
}

}  // namespace
}  // namespace vikno::sms
