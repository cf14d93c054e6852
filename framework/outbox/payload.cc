#include "outbox/payload.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace vikno {
namespace {

const char* KindCode(sdk::Keyboard::Kind k) {
  switch (k) {
    case sdk::Keyboard::Kind::kInline:
      return "inline";
    case sdk::Keyboard::Kind::kReply:
      return "reply";
    case sdk::Keyboard::Kind::kRemove:
      return "remove";
  }
  return "inline";
}

const char* ActionCode(sdk::Button::Action a) {
  switch (a) {
    case sdk::Button::Action::kReply:
      return "reply";
    case sdk::Button::Action::kRequestContact:
      return "contact";
    case sdk::Button::Action::kRequestLocation:
      return "location";
    case sdk::Button::Action::kOpenUrl:
      return "url";
  }
  return "reply";
}

std::optional<sdk::Keyboard::Kind> ParseKind(const std::string& s) {
  if (s == "inline") return sdk::Keyboard::Kind::kInline;
  if (s == "reply") return sdk::Keyboard::Kind::kReply;
  if (s == "remove") return sdk::Keyboard::Kind::kRemove;
  return std::nullopt;
}

std::optional<sdk::Button::Action> ParseAction(const std::string& s) {
  if (s == "reply") return sdk::Button::Action::kReply;
  if (s == "contact") return sdk::Button::Action::kRequestContact;
  if (s == "location") return sdk::Button::Action::kRequestLocation;
  if (s == "url") return sdk::Button::Action::kOpenUrl;
  return std::nullopt;
}

}  // namespace

std::string OutboundPayloadJson(const sdk::OutboundMessage& message) {
  Poco::JSON::Object root;
  root.set("text", message.text);
  if (message.keyboard) {
    Poco::JSON::Object::Ptr kb = new Poco::JSON::Object;
    kb->set("kind", std::string(KindCode(message.keyboard->kind)));
    kb->set("one_time", message.keyboard->one_time);
    Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
    for (const auto& row : message.keyboard->rows) {
      Poco::JSON::Array::Ptr r = new Poco::JSON::Array;
      for (const auto& b : row) {
        Poco::JSON::Object::Ptr button = new Poco::JSON::Object;
        button->set("text", b.text);
        button->set("data", b.data);
        button->set("action", std::string(ActionCode(b.action)));
        if (!b.url.empty()) button->set("url", b.url);
        r->add(button);
      }
      rows->add(r);
    }
    kb->set("rows", rows);
    root.set("keyboard", kb);
  }
  std::ostringstream out;
  root.stringify(out);
  return out.str();
}

std::optional<sdk::OutboundMessage> ParseOutboundPayload(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    if (!root || !root->has("text")) return std::nullopt;
    sdk::OutboundMessage m;
    m.text = root->getValue<std::string>("text");
    if (root->has("keyboard")) {
      const auto kb = root->getObject("keyboard");
      if (!kb) return std::nullopt;
      sdk::Keyboard keyboard;
      const auto kind = ParseKind(kb->optValue<std::string>("kind", "inline"));
      if (!kind) return std::nullopt;
      keyboard.kind = *kind;
      keyboard.one_time = kb->optValue<bool>("one_time", false);
      if (const auto rows = kb->getArray("rows")) {
        for (size_t i = 0; i < rows->size(); ++i) {
          const auto row = rows->getArray(static_cast<unsigned>(i));
          if (!row) return std::nullopt;
          std::vector<sdk::Button> buttons;
          for (size_t j = 0; j < row->size(); ++j) {
            const auto b = row->getObject(static_cast<unsigned>(j));
            if (!b) return std::nullopt;
            sdk::Button button;
            button.text = b->optValue<std::string>("text", "");
            button.data = b->optValue<std::string>("data", "");
            button.url = b->optValue<std::string>("url", "");
            const auto action = ParseAction(b->optValue<std::string>("action", "reply"));
            if (!action) return std::nullopt;
            button.action = *action;
            buttons.push_back(std::move(button));
          }
          keyboard.rows.push_back(std::move(buttons));
        }
      }
      m.keyboard = std::move(keyboard);
    }
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace vikno
