#include "host/logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace vikno {
namespace {

const char* LevelName(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "info";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "info";
}

std::string FormatMillis(const Poco::Timestamp& ts) {
  const int64_t us = ts.epochMicroseconds();
  const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds{us / 1000}};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

}  // namespace

void JsonLogFormatter::format(const Poco::Message& msg, std::string& text) {
  Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
  line.set("time", FormatMillis(msg.getTime()));
  line.set("level", std::string(LevelName(msg.getPriority())));
  line.set("component", msg.getSource());
  line.set("message", msg.getText());
  if (msg.has("fields")) {
    try {
      Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
      auto fields = parser.parse(msg.get("fields")).extract<Poco::JSON::Object::Ptr>();
      for (const auto& [key, value] : *fields) {
        if (!line.has(key)) line.set(key, value);
      }
    } catch (const Poco::Exception&) {
      line.set("fields", msg.get("fields"));  // keep what was said, unparsed
    }
  }
  std::ostringstream out;
  line.stringify(out);
  text = out.str();
}

void SetUpLogging(const std::string& level) {
  int prio = 0;
  try {
    prio = Poco::Logger::parseLevel(level);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("unknown log level '" + level + "'");
  }
  Poco::AutoPtr<Poco::Channel> console(new Poco::ConsoleChannel(std::cerr));
  Poco::AutoPtr<Poco::FormattingChannel> formatting(
      new Poco::FormattingChannel(new JsonLogFormatter, console));
  Poco::Logger::root().setChannel(formatting);
  Poco::Logger::root().setLevel(prio);
  // Loggers created before this call keep their old channel: update them too.
  std::vector<std::string> names;
  Poco::Logger::names(names);
  for (const auto& name : names) {
    Poco::Logger::get(name).setChannel(formatting);
    Poco::Logger::get(name).setLevel(prio);
  }
}

void Log(Poco::Message::Priority prio, const std::string& component, const std::string& text,
         std::initializer_list<LogField> fields) {
  Poco::Logger& logger = Poco::Logger::get(component);
  if (!logger.is(prio)) return;
  Poco::Message msg(component, text, prio);
  if (fields.size() > 0) {
    Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [key, value] : fields) {
      std::visit([&, k = key](const auto& v) { object.set(k, v); }, value);
    }
    std::ostringstream out;
    object.stringify(out);
    msg.set("fields", out.str());
  }
  logger.log(msg);
}

}  // namespace vikno
