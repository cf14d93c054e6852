// The reports' settings, read from the `reports:` section of vikno.yaml
// (host/config.cc; documented in config/README.md). Plain data, no I/O.
#pragma once

#include <string>
#include <vector>

namespace vikno::reports {

// A deputy mayor's area of responsibility (003 §4.1: weekly and monthly
// reports go "to the deputy mayor ... by area of activity"): which services
// (executor ids) it covers and who receives its reports. An executor in no
// area is reported under "not assigned".
struct DeputyArea {
  std::string id;    // "utilities"
  std::string name;  // "Житлово-комунальне господарство"
  std::string deputy;  // the deputy mayor's name, printed on the report
  std::vector<std::string> emails;
  std::vector<std::string> executors;
};

struct ReportSettings {
  std::vector<DeputyArea> areas;
  // Recipients of the scheduled reports by e-mail (where the e-mail channel
  // exists): daily to executors' heads (their Executor.email/head come from
  // the catalogue), these lists for the rest.
  std::vector<std::string> daily_to;    // in addition to each executor's own e-mail
  std::vector<std::string> weekly_to;   // the control department, the chief of staff
  std::vector<std::string> monthly_to;  // the mayor's office (the note, 003 §4.1)
  // Local time of day ("HH:MM", city time) the scheduled reports are made:
  // daily for the day before, weekly on Mondays for the week before, monthly
  // on the 1st for the month before.
  std::string at = "07:00";
  // The city's zone: periods are its local days, weeks and months, and
  // workbook dates its wall clock.
  std::string time_zone = "Europe/Kyiv";
  bool schedule = true;
  // 002 §9.2.3 "inefficient executors": at least min_appeals in the period
  // and an overdue share, or a returned-or-rejected share, at or above these.
  int min_appeals = 5;
  double max_overdue_share = 0.2;
  double max_returned_share = 0.2;
  // Where made workbooks are kept (relative: under the data folder), and
  // the secret that signs their download links in e-mails (empty: links
  // are not signed, so no link is sent, only the figures).
  std::string dir = "reports";
  std::string link_secret;
  // How long a mailed download link works: a forwarded or leaked mail stops
  // opening the city's figures after this (the panel keeps them).
  int link_days = 30;
};

}  // namespace vikno::reports
