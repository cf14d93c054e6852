#include "conversation/registry_import.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "workflow/appeal_service.h"

namespace vikno::conversation {
namespace {

constexpr size_t kMaxReportedErrors = 20;
constexpr size_t kMaxFieldBytes =
    500;  // a street name is never longer; a bigger field is a broken file

struct Row {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
};

// RFC 4180 records. A quote inside an unquoted field is taken literally; an
// unterminated quoted field is an error naming the line it started on.
std::vector<Row> SplitCsv(const std::string& text, const std::string& source) {
  std::vector<Row> rows;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // byte-order mark
  int line = 1;
  while (i < text.size()) {
    Row row;
    row.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        const int started = line;
        ++i;
        while (true) {
          if (i >= text.size())
            throw RegistryImportError(source + ":" + std::to_string(started) +
                                      ": a quoted field is not closed");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        // Anything between the closing quote and the separator is an error.
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          throw RegistryImportError(source + ":" + std::to_string(line) +
                                    ": text after a closing quote");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          field.push_back(text[i++]);
      }
      row.fields.push_back(field);
      if (i >= text.size()) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // \r\n, \n or a lone \r
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        end_of_record = true;
      }
    }
    const bool blank =
        row.fields.size() == 1 && row.fields[0].find_first_not_of(" \t") == std::string::npos;
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Collapses inner runs of spaces: "вулиця  Соборна" and "вулиця Соборна" are
// one street in the store's unique key.
std::string Squeeze(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : Trim(s)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

bool ParseDegrees(const std::string& text, double lo, double hi, double& out) {
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && out >= lo && out <= hi;
}

}  // namespace

std::vector<RegistryAddress> ParseRegistryCsv(const std::string& text, const std::string& source) {
  std::vector<Row> rows = SplitCsv(text, source);
  if (rows.empty())
    throw RegistryImportError(source + ": the file is empty (expected a header: " +
                              "city,district,street,house,lat,lon)");
  std::map<std::string, size_t> column;
  for (size_t c = 0; c < rows[0].fields.size(); ++c) {
    std::string name = Lower(Trim(rows[0].fields[c]));
    if (!name.empty() && !column.emplace(name, c).second)
      throw RegistryImportError(source + ":" + std::to_string(rows[0].line) + ": column '" + name +
                                "' appears twice in the header");
  }
  for (const char* required : {"city", "street", "house"})
    if (!column.count(required))
      throw RegistryImportError(source + ":" + std::to_string(rows[0].line) +
                                ": the header has no column '" + required +
                                "' (expected city,district,street,house,lat,lon)");
  if (column.count("lat") != column.count("lon"))
    throw RegistryImportError(source + ":" + std::to_string(rows[0].line) +
                              ": the header has only one of 'lat' and 'lon'");

  std::vector<std::string> errors;
  std::vector<RegistryAddress> out;
  out.reserve(rows.size() - 1);
  for (size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const std::string where = source + ":" + std::to_string(row.line) + ": ";
    auto problem = [&](const std::string& what) {
      if (errors.size() < kMaxReportedErrors)
        errors.push_back(where + what);
      else if (errors.size() == kMaxReportedErrors)
        errors.push_back("... and more");
    };
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      if (it == column.end() || it->second >= row.fields.size()) return {};
      return Squeeze(row.fields[it->second]);
    };
    if (row.fields.size() != rows[0].fields.size()) {
      problem(std::to_string(row.fields.size()) + " fields, the header has " +
              std::to_string(rows[0].fields.size()));
      continue;
    }
    bool ok = true;
    for (const auto& f : row.fields) {
      if (!IsValidUtf8(f)) {
        problem("not UTF-8 text (save the file as UTF-8)");
        ok = false;
        break;
      }
      if (f.size() > kMaxFieldBytes) {
        problem("a field longer than " + std::to_string(kMaxFieldBytes) + " bytes");
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    RegistryAddress a;
    a.city = get("city");
    a.district = get("district");
    a.street = get("street");
    a.house = get("house");
    for (auto [name, value] :
         {std::pair{"city", &a.city}, {"street", &a.street}, {"house", &a.house}})
      if (value->empty()) {
        problem(std::string(name) + ": empty");
        ok = false;
      }
    if (column.count("lat")) {
      std::string lat = get("lat"), lon = get("lon");
      if (lat.empty() != lon.empty()) {
        problem("lat and lon: give both or neither");
        ok = false;
      } else if (!lat.empty()) {
        GeoPoint p;
        if (!ParseDegrees(lat, -90, 90, p.lat)) {
          problem("lat: '" + lat + "' is not a latitude in degrees (-90..90, a dot for decimals)");
          ok = false;
        }
        if (!ParseDegrees(lon, -180, 180, p.lon)) {
          problem("lon: '" + lon +
                  "' is not a longitude in degrees (-180..180, a dot for decimals)");
          ok = false;
        }
        a.point = p;
      }
    }
    if (ok) out.push_back(std::move(a));
  }
  if (!errors.empty()) {
    std::string message = "the address registry was not imported:";
    for (const auto& e : errors) message += "\n  " + e;
    throw RegistryImportError(message);
  }
  return out;
}

RegistryImportCounts ImportAddresses(Store& store, const std::filesystem::path& csv) {
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw RegistryImportError(csv.string() + ": cannot be read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw RegistryImportError(csv.string() + ": read error");
  const std::vector<RegistryAddress> rows = ParseRegistryCsv(buffer.str(), csv.string());

  RegistryImportCounts counts;
  counts.rows = static_cast<int64_t>(rows.size());
  // One row per building; a later row's district and point win.
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, size_t> position;
  std::vector<RegistryAddress> unique;
  for (const auto& a : rows) {
    Key key{a.city, a.street, a.house};
    if (auto it = position.find(key); it != position.end()) {
      ++counts.duplicates;
      unique[it->second] = a;
      continue;
    }
    position.emplace(std::move(key), unique.size());
    unique.push_back(a);
  }
  // One transaction for the whole file: all or nothing, and fast.
  const RegistryUpsertCounts stored = store.UpsertRegistryAddresses(unique);
  counts.inserted = stored.inserted;
  counts.updated = stored.updated;
  return counts;
}

}  // namespace vikno::conversation
