// Structured logs: one JSON object per line on stderr (DESIGN.md, operations):
//   {"time":"2026-11-22T15:04:05.123Z","level":"info","component":"http",
//    "message":"request","method":"GET","path":"/healthz","status":200}
// Components log through Poco::Logger::get("<component>"); fields travel in
// the message's "fields" parameter as a JSON object and are merged into the
// line by JsonLogFormatter.
#pragma once

#include <Poco/Formatter.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

namespace vikno {

// One field value: text or a number or a flag.
using LogValue = std::variant<std::string, int64_t, double, bool>;
using LogField = std::pair<std::string, LogValue>;

// Formats a Poco::Message as one JSON line (without the trailing newline).
class JsonLogFormatter final : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override;
};

// Routes the root logger (and so every component) to stderr as JSON lines at
// `level` ("trace", "debug", "information", "notice", "warning", "error",
// "critical", "fatal", "none"). Throws std::invalid_argument for an unknown level.
void SetUpLogging(const std::string& level);

// Logs `text` with `fields` on `component` at `prio` when that level is on.
void Log(Poco::Message::Priority prio, const std::string& component, const std::string& text,
         std::initializer_list<LogField> fields = {});

}  // namespace vikno
