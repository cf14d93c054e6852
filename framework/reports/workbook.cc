#include "reports/workbook.h"

#include <date/tz.h>
#include <xlsxwriter.h>

namespace vikno::reports {

Workbook::Workbook(const std::filesystem::path& path, const std::filesystem::path& tmp_dir,
                   const std::string& time_zone)
    : tmp_dir_(tmp_dir.string()) {
  try {
    zone_ = date::locate_zone(time_zone);
  } catch (const std::exception& e) {
    throw WorkbookError("unknown time zone '" + time_zone + "': " + e.what());
  }
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows leave memory as they are written
  options.tmpdir = tmp_dir_.data();
  book_ = workbook_new_opt(path.c_str(), &options);
  if (book_ == nullptr) throw WorkbookError("cannot create workbook " + path.string());
  header_ = workbook_add_format(book_);
  format_set_bold(header_);
  format_set_text_wrap(header_);
  format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
  format_set_bg_color(header_, 0xDDE6F0);
  format_set_border(header_, LXW_BORDER_THIN);
  datetime_ = workbook_add_format(book_);
  format_set_num_format(datetime_, "dd.mm.yyyy hh:mm");
  date_ = workbook_add_format(book_);
  format_set_num_format(date_, "dd.mm.yyyy");
  percent_ = workbook_add_format(book_);
  format_set_num_format(percent_, "0.0%");
}

Workbook::~Workbook() {
  if (!closed_ && book_ != nullptr) workbook_close(book_);  // frees; the error is moot now
}

void Workbook::Check(int error, const char* what) {
  if (error != LXW_NO_ERROR)
    throw WorkbookError(std::string(what) + ": " +
                        lxw_strerror(static_cast<lxw_error>(error)));
}

void Workbook::FinishSheet() {
  if (sheet_ == nullptr || columns_.empty()) return;
  // The filter covers the header and every row, so Excel offers it at once.
  Check(worksheet_autofilter(sheet_, 0, 0, static_cast<lxw_row_t>(rows_),
                             static_cast<lxw_col_t>(columns_.size() - 1)),
        "auto-filter");
}

void Workbook::AddSheet(const std::string& name, const std::vector<Column>& columns) {
  FinishSheet();
  sheet_ = workbook_add_worksheet(book_, name.c_str());
  if (sheet_ == nullptr) throw WorkbookError("cannot add sheet '" + name + "'");
  columns_ = columns;
  rows_ = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    lxw_format* f = nullptr;
    if (columns[c].kind == CellKind::kDateTime) f = datetime_;
    if (columns[c].kind == CellKind::kDate) f = date_;
    if (columns[c].kind == CellKind::kPercent) f = percent_;
    Check(worksheet_set_column(sheet_, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                               columns[c].width, f),
          "column width");
    Check(worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(c), columns[c].title.c_str(),
                                 header_),
          "header");
  }
  worksheet_freeze_panes(sheet_, 1, 0);  // the header stays in view while scrolling
}

void Workbook::BeginRow() {
  ++rows_;
  col_ = 0;
}

void Workbook::Text(const std::string& value) {
  if (!value.empty())
    Check(worksheet_write_string(sheet_, static_cast<lxw_row_t>(rows_),
                                 static_cast<lxw_col_t>(col_), value.c_str(), nullptr),
          "cell");
  ++col_;
}

void Workbook::Number(double value) {
  lxw_format* f = columns_.at(col_).kind == CellKind::kPercent ? percent_ : nullptr;
  Check(worksheet_write_number(sheet_, static_cast<lxw_row_t>(rows_),
                               static_cast<lxw_col_t>(col_), value, f),
        "cell");
  ++col_;
}

void Workbook::Time(std::optional<Timestamp> value) {
  if (value) {
    // Excel has no zones: the city's wall clock is what a reader expects.
    const auto local = zone_->to_local(*value);
    const int64_t wall = local.time_since_epoch().count();
    lxw_format* f = columns_.at(col_).kind == CellKind::kDate ? date_ : datetime_;
    Check(worksheet_write_unixtime(sheet_, static_cast<lxw_row_t>(rows_),
                                   static_cast<lxw_col_t>(col_), wall, f),
          "cell");
  }
  ++col_;
}

void Workbook::Empty() { ++col_; }

void Workbook::Close() {
  if (closed_) return;
  FinishSheet();
  closed_ = true;
  Check(workbook_close(book_), "write workbook");
}

}  // namespace vikno::reports
