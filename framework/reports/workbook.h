// A thin owner of a libxlsxwriter workbook for the exports and reports (R21,
// R29): sheets of one header row and typed cells, written in constant-memory
// mode (each row goes to a temporary file as soon as it is complete), so
// 100,000 appeals stay far under 150 MB (bench/export_bench.cc).
//
// Every sheet gets what a reader of a city report expects: a bold header
// row, frozen; an auto-filter over the header and the rows; set column
// widths; dates as real Excel dates (a number formatted "dd.mm.yyyy hh:mm"
// in the city's local time, so sorting and filtering by date work).
//
// Rows must be written in order (constant memory). Not thread-safe: one
// workbook per request or job. Close() reports failure (disk full, an
// unwritable folder) as WorkbookError; the destructor closes silently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time.h"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace date {
class time_zone;
}  // namespace date

namespace vikno::reports {

class WorkbookError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class CellKind { kText, kNumber, kDateTime, kDate, kPercent };

struct Column {
  std::string title;  // from the messages file, in the reader's language
  CellKind kind = CellKind::kText;
  double width = 14;  // in Excel character units
};

class Workbook {
 public:
  // Creates `path` (replaced at Close) with temporary files in `tmp_dir`.
  // `time_zone` is the city's (Europe/Kyiv): dates are written as its wall
  // clock. Throws WorkbookError for an unknown zone or an unwritable path.
  Workbook(const std::filesystem::path& path, const std::filesystem::path& tmp_dir,
           const std::string& time_zone);
  ~Workbook();
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // Starts a new sheet (name at most 31 characters, no []:*?/\) with its
  // header row; later rows go to it. Sheet names must be unique.
  void AddSheet(const std::string& name, const std::vector<Column>& columns);
  // A row of the current sheet; each value in the column's kind: text as
  // is, numbers, instants (Timestamp) or nothing (an empty cell).
  void BeginRow();
  void Text(const std::string& value);
  void Number(double value);
  void Time(std::optional<Timestamp> value);
  void Empty();
  // Rows written to the current sheet (the header not counted).
  int64_t rows() const { return rows_; }

  // Finishes the auto-filter of the last sheet and writes the file.
  void Close();

 private:
  void FinishSheet();
  void Check(int error, const char* what);

  lxw_workbook* book_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* header_ = nullptr;
  lxw_format* datetime_ = nullptr;
  lxw_format* date_ = nullptr;
  lxw_format* percent_ = nullptr;
  const date::time_zone* zone_ = nullptr;
  std::vector<Column> columns_;
  std::string tmp_dir_;
  int64_t rows_ = 0;
  int col_ = 0;
  bool closed_ = false;
};

}  // namespace vikno::reports
