#include "events/notice_window.h"

#include <date/tz.h>

#include <stdexcept>

namespace vikno::events {

NoticeWindow::NoticeWindow(const std::string& time_zone, int from_minute, int to_minute)
    : zone_name_(time_zone), from_minute_(from_minute), to_minute_(to_minute) {
  if (from_minute < 0 || to_minute > 24 * 60 || from_minute >= to_minute)
    throw std::invalid_argument("notice window: from must be before to, within one day");
  try {
    zone_ = date::locate_zone(time_zone);
  } catch (const std::exception& e) {
    throw std::invalid_argument("notice window: unknown time zone '" + time_zone + "'");
  }
}

Timestamp NoticeWindow::NextOpen(Timestamp t) const {
  using std::chrono::minutes;
  const date::local_seconds local = zone_->to_local(t);
  const date::local_days day = date::floor<date::days>(local);
  const auto minute_of_day = std::chrono::duration_cast<minutes>(local - day).count();
  if (minute_of_day >= from_minute_ && minute_of_day < to_minute_) return t;
  const date::local_days open_day = minute_of_day < from_minute_ ? day : day + date::days{1};
  const date::local_seconds open = open_day + minutes{from_minute_};
  // 06:00 is never inside a DST gap in Ukraine, but a city's window might be.
  return std::chrono::time_point_cast<std::chrono::seconds>(
      zone_->to_sys(open, date::choose::earliest));
}

std::string NoticeWindow::Format(Timestamp t) const {
  return date::format("%d.%m.%Y %H:%M", date::make_zoned(zone_, t));
}

}  // namespace vikno::events
