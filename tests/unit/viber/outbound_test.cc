#include "outbound.h"

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include "viber_text.h"

namespace vikno::viber {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

sdk::Button Btn(std::string text, std::string data,
                sdk::Button::Action action = sdk::Button::Action::kReply) {
  sdk::Button b;
  b.text = std::move(text);
  b.data = std::move(data);
  b.action = action;
  return b;
}

TEST(ViberKeyboardTest, ReplySharePhoneAndLocationPicker) {
  sdk::Keyboard kb;
  kb.kind = sdk::Keyboard::Kind::kReply;
  kb.rows = {{Btn("ЖКГ", "topic:zhkh")},
             {Btn("Телефон", "", sdk::Button::Action::kRequestContact),
              Btn("Де я", "", sdk::Button::Action::kRequestLocation)}};
  std::string error;
  bool api3 = false;
  Object::Ptr o = KeyboardObject(kb, &error, &api3);
  ASSERT_TRUE(o) << error;
  EXPECT_TRUE(api3);
  EXPECT_EQ(o->getValue<std::string>("Type"), "keyboard");
  Array::Ptr buttons = o->getArray("Buttons");
  ASSERT_EQ(buttons->size(), 3u);
  Object::Ptr b0 = buttons->getObject(0), b1 = buttons->getObject(1), b2 = buttons->getObject(2);
  EXPECT_EQ(b0->getValue<std::string>("ActionType"), "reply");
  EXPECT_EQ(b0->getValue<std::string>("ActionBody"), "topic:zhkh");
  EXPECT_EQ(b0->getValue<std::string>("Text"), "ЖКГ");
  EXPECT_EQ(b0->getValue<int>("Columns"), 6);  // alone in its row
  EXPECT_EQ(b1->getValue<std::string>("ActionType"), "share-phone");
  EXPECT_EQ(b1->getValue<int>("Columns"), 3);  // two in the row
  EXPECT_EQ(b2->getValue<std::string>("ActionType"), "location-picker");
  EXPECT_FALSE(b1->getValue<std::string>("ActionBody").empty());
}

TEST(ViberKeyboardTest, AtMostTwelveRows) {
  sdk::Keyboard kb;
  for (int i = 0; i < 20; ++i)
    kb.rows.push_back({Btn("Пункт " + std::to_string(i), "p" + std::to_string(i))});
  std::string error;
  bool api3 = false;
  Object::Ptr o = KeyboardObject(kb, &error, &api3);
  ASSERT_TRUE(o) << error;
  Array::Ptr buttons = o->getArray("Buttons");
  ASSERT_EQ(buttons->size(), 20u);  // none lost
  // Packed two to a row: 10 rows of 3 columns each, in order.
  int columns = 0;
  for (size_t i = 0; i < buttons->size(); ++i) {
    EXPECT_EQ(buttons->getObject(static_cast<unsigned>(i))->getValue<std::string>("ActionBody"),
              "p" + std::to_string(i));
    columns += buttons->getObject(static_cast<unsigned>(i))->getValue<int>("Columns");
  }
  EXPECT_LE(columns / 6, 12);
  // More than 12 rows of 6 cannot be shown at all.
  sdk::Keyboard huge;
  for (int i = 0; i < 73; ++i) huge.rows.push_back({Btn("x", "x")});
  EXPECT_FALSE(KeyboardObject(huge, &error, &api3));
  EXPECT_NE(error.find("at most 72"), std::string::npos) << error;
}

TEST(ViberKeyboardTest, BadButtonsAreRefusedAndRemoveGivesNone) {
  std::string error;
  bool api3 = false;
  sdk::Keyboard kb;
  kb.rows = {{Btn("", "x")}};
  EXPECT_FALSE(KeyboardObject(kb, &error, &api3));
  EXPECT_NE(error, "");
  error.clear();
  kb.rows = {{Btn("x", std::string(251, 'a'))}};
  EXPECT_FALSE(KeyboardObject(kb, &error, &api3));
  EXPECT_NE(error.find("250"), std::string::npos);
  error.clear();
  kb.rows = {{Btn("Сайт", "", sdk::Button::Action::kOpenUrl)}};
  EXPECT_FALSE(KeyboardObject(kb, &error, &api3));
  EXPECT_NE(error.find("URL"), std::string::npos);
  error.clear();
  kb.kind = sdk::Keyboard::Kind::kRemove;
  EXPECT_FALSE(KeyboardObject(kb, &error, &api3));
  EXPECT_EQ(error, "");
}

TEST(ViberTrackingTest, RoundTripsButtonPayloadsAndThePhoneRequest) {
  sdk::Keyboard kb;
  kb.rows = {{Btn("Так", "fixed:yes"), Btn("Ні", "fixed:no")},
             {Btn("Телефон", "", sdk::Button::Action::kRequestContact)}};
  const std::string data = TrackingFor(kb);
  ASSERT_FALSE(data.empty());
  EXPECT_LE(CharCount(data), kMaxTrackingDataChars);
  Tracking t = ReadTracking(data);
  EXPECT_EQ(t.buttons, (std::vector<std::string>{"fixed:yes", "fixed:no"}));
  EXPECT_TRUE(t.asked_phone);
  // Foreign or broken data is not ours.
  EXPECT_TRUE(ReadTracking(R"({"b":["fixed:yes"]})").buttons.empty());
  EXPECT_TRUE(ReadTracking("{broken").buttons.empty());
  EXPECT_TRUE(ReadTracking("plain").buttons.empty());
  // Too many payloads for 4000 characters: some are left out, the rest fit.
  sdk::Keyboard big;
  for (int i = 0; i < 72; ++i) big.rows.push_back({Btn("x", std::string(200, 'a' + i % 26))});
  const std::string big_data = TrackingFor(big);
  EXPECT_LE(CharCount(big_data), kMaxTrackingDataChars);
  EXPECT_GT(ReadTracking(big_data).buttons.size(), 0u);
  EXPECT_LT(ReadTracking(big_data).buttons.size(), 72u);
}

TEST(ViberContentTest, TextAndPictureBodies) {
  Content c;
  c.sender_name = "Суми";
  c.text = "Заявку №12 прийнято";
  Object::Ptr o = ContentObject(c);
  EXPECT_EQ(o->getValue<std::string>("type"), "text");
  EXPECT_EQ(o->getObject("sender")->getValue<std::string>("name"), "Суми");
  EXPECT_FALSE(o->has("min_api_version"));
  EXPECT_FALSE(o->has("keyboard"));
  c.media_url = "https://city.example/p.jpg";
  c.needs_api_3 = true;
  o = ContentObject(c);
  EXPECT_EQ(o->getValue<std::string>("type"), "picture");
  EXPECT_EQ(o->getValue<std::string>("media"), "https://city.example/p.jpg");
  EXPECT_EQ(o->getValue<int>("min_api_version"), 3);
}

}  // namespace
}  // namespace vikno::viber
