// The hours residents may be notified in (R23, 000 §4.3: 06:00-23:00 city
// time). A notice that falls outside is held until the window opens: the
// outbox row's next_attempt_at is set to the next opening, so the sender
// leaves it queued until then and a restart changes nothing.
#pragma once

#include <string>

#include "core/time.h"

namespace date {
class time_zone;
}

namespace vikno::events {

class NoticeWindow {
 public:
  // `from_minute` and `to_minute` are minutes after local midnight
  // (06:00 = 360, 23:00 = 1380), from < to. Throws std::invalid_argument for
  // an unknown zone or a bad interval.
  NoticeWindow(const std::string& time_zone, int from_minute, int to_minute);

  // `t` when it is inside the window, else the window's next opening (the
  // same day's when before it, the next day's when after it). Local times a
  // DST change skips resolve to the earliest instant after them.
  Timestamp NextOpen(Timestamp t) const;
  bool Contains(Timestamp t) const { return NextOpen(t) == t; }

  // "22.11.2026 14:05" in the city's time (what the notice texts show).
  std::string Format(Timestamp t) const;
  const std::string& time_zone() const { return zone_name_; }

 private:
  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;
  int from_minute_;
  int to_minute_;
};

}  // namespace vikno::events
