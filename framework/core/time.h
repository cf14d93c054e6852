// Time in the domain: UTC instants with one-second resolution. The city's
// time zone is applied only when showing times and when the rules compute
// calendars and notice windows (DESIGN.md, "Storage").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vikno {

using Timestamp = std::chrono::sys_seconds;

inline int64_t ToUnix(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnix(int64_t s) { return Timestamp{std::chrono::seconds{s}}; }

// "2026-11-22T15:04:05Z"
std::string FormatIso8601(Timestamp t);
// Accepts "YYYY-MM-DDThh:mm:ssZ", "YYYY-MM-DDThh:mm:ss+hh:mm" and "YYYY-MM-DD"
// (midnight UTC). Returns nullopt for anything else.
std::optional<Timestamp> ParseIso8601(const std::string& text);

// The source of "now". Injected everywhere so tests and the scheduler can move time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

}  // namespace vikno
