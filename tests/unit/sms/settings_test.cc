// The SMS channel's settings (plugins/sms/sms_channel.h ReadConfig): one
// account from plain keys, several from "accounts" with per-account keys
// over shared ones, sender address kinds, and every problem listed at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sms_channel.h"
#include "vikno/sdk/entry.h"

namespace vikno::sms {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> All(const sdk::Settings& s, ChannelConfig* out) {
  std::vector<std::string> problems;
  *out = ReadConfig(s, &problems);
  for (const auto& p : s.Problems()) problems.push_back(p);
  return problems;
}

TEST(SmsSettingsTest, OneAccountFromPlainKeys) {
  sdk::Settings s({{"host", "smsc.example"},
                   {"system_id", "vikno"},
                   {"password", "pw"},
                   {"source_addr", "SumyRada"},
                   {"tps", "50"},
                   {"country_code", "380"}});
  ChannelConfig c;
  EXPECT_TRUE(All(s, &c).empty());
  ASSERT_EQ(c.accounts.size(), 1u);
  const auto& a = c.accounts[0];
  EXPECT_EQ(a.session.host, "smsc.example");
  EXPECT_EQ(a.session.port, 2775);
  EXPECT_EQ(a.session.tps, 50);
  EXPECT_EQ(a.session.enquire_link, std::chrono::seconds(30));
  EXPECT_EQ(a.source_ton, 5) << "alphanumeric";
  EXPECT_EQ(a.source_npi, 0);
  EXPECT_TRUE(a.registered_delivery);
  EXPECT_EQ(c.country_code, "380");
}

TEST(SmsSettingsTest, SeveralAccountsOverrideSharedKeys) {
  sdk::Settings s({{"accounts", "kyivstar, vodafone"},
                   {"host", "127.0.0.1"},
                   {"password", "shared"},
                   {"source_addr", "+380441234567"},
                   {"kyivstar.system_id", "ks"},
                   {"kyivstar.port", "2775"},
                   {"kyivstar.tps", "30"},
                   {"vodafone.system_id", "vf"},
                   {"vodafone.port", "2776"},
                   {"vodafone.password", "own"},
                   {"vodafone.source_addr", "Sumy"}});
  ChannelConfig c;
  EXPECT_TRUE(All(s, &c).empty());
  ASSERT_EQ(c.accounts.size(), 2u);
  EXPECT_EQ(c.accounts[0].session.account, "kyivstar");
  EXPECT_EQ(c.accounts[0].session.system_id, "ks");
  EXPECT_EQ(c.accounts[0].session.password, "shared");
  EXPECT_EQ(c.accounts[0].session.tps, 30);
  EXPECT_EQ(c.accounts[0].source_addr, "380441234567");
  EXPECT_EQ(c.accounts[0].source_ton, 1) << "international";
  EXPECT_EQ(c.accounts[0].source_npi, 1);
  EXPECT_EQ(c.accounts[1].session.port, 2776);
  EXPECT_EQ(c.accounts[1].session.password, "own");
  EXPECT_EQ(c.accounts[1].session.tps, 10);
  EXPECT_EQ(c.accounts[1].source_ton, 5);
}

TEST(SmsSettingsTest, EveryProblemAtOnce) {
  sdk::Settings s({{"accounts", "a,b"},
                   {"host", "127.0.0.1"},
                   {"a.system_id", "sixteen-chars-xx"},
                   {"a.password", "ninechars"},
                   {"a.source_addr", "TooLongSender"},
                   {"b.system_id", "b"},
                   {"b.password", "pw"},
                   {"b.tps", "0"},
                   {"c.port", "1"},
                   {"udh_reference", "12"},
                   {"colour", "blue"}});
  ChannelConfig c;
  const auto problems = All(s, &c);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_THAT(all, HasSubstr("c.port: unknown setting"));
  EXPECT_THAT(all, HasSubstr("colour: unknown setting"));
  EXPECT_THAT(all, HasSubstr("a.system_id: longer than 15"));
  EXPECT_THAT(all, HasSubstr("a.password: longer than 8"));
  EXPECT_THAT(all, HasSubstr("a.source_addr: an alphanumeric sender has at most 11"));
  EXPECT_THAT(all, HasSubstr("b.source_addr: required setting is missing"));
  EXPECT_THAT(all, HasSubstr("b.tps: 0 is outside 1..10000"));
  EXPECT_THAT(all, HasSubstr("udh_reference: expected 8 or 16"));
}

TEST(SmsSettingsTest, TheEntryPointRefusesBadSettingsWithEveryProblem) {
  sdk::Settings s(std::map<std::string, std::string>{{"host", "127.0.0.1"}});
  sdk::Status status;
  sdk::Channel* channel = sdk::internal::CreateChannel<SmsChannel>(&s, &status);
  EXPECT_EQ(channel, nullptr);
  EXPECT_FALSE(status.ok);
  EXPECT_THAT(status.message, HasSubstr("system_id: required setting is missing"));
  EXPECT_THAT(status.message, HasSubstr("password: required setting is missing"));
  EXPECT_THAT(status.message, HasSubstr("source_addr: required setting is missing"));
}

}  // namespace
}  // namespace vikno::sms
