// Import of a city's address registry from CSV (R3; `vikno import addresses
// <csv>`). The registry is what the address dialogue matches residents'
// free text against (address_matcher.h).
//
// The CSV format (UTF-8, an optional byte-order mark, RFC 4180 quoting: a
// field in double quotes may hold commas, line breaks and "" for a quote):
//
//   city,district,street,house,lat,lon
//   Суми,Ковпаківський,вулиця Соборна,12а,50.9077,34.7981
//   Суми,Зарічний,"проспект Шевченка",20/1,,
//
//  - the first line is the header; columns are found by name (any order,
//    case-insensitive); `city`, `street` and `house` are required columns,
//    `district`, `lat`, `lon` optional; other columns are ignored;
//  - city, street and house must not be empty; street is written as the city
//    writes it, with its type ("вулиця Соборна"): it is what residents are
//    shown ("Суми, вулиця Соборна, 12а");
//  - lat and lon are WGS 84 decimal degrees with a dot, both or neither;
//  - blank lines are skipped.
//
// All or nothing: the whole file is checked before anything is written; any
// problem throws RegistryImportError listing every bad line ("file:line:
// column: problem", up to 20 of them) and nothing is imported. Re-importing
// is safe: one building per (city, street, house); district and point are
// refreshed and the building keeps its id (Store::UpsertRegistryAddress).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/address.h"
#include "store/store.h"

namespace vikno::conversation {

class RegistryImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegistryImportCounts {
  int64_t rows = 0;        // data rows read (blank lines not counted)
  int64_t inserted = 0;    // buildings new to the store
  int64_t updated = 0;     // buildings already there (district/point refreshed)
  int64_t duplicates = 0;  // rows repeating an earlier row's city, street and house
};

// Parses and checks the CSV text; `source` names it in errors. Throws
// RegistryImportError. Exposed for tests and for a dry run.
std::vector<RegistryAddress> ParseRegistryCsv(const std::string& text, const std::string& source);

// Reads `csv`, checks it whole, then upserts every building. Throws
// RegistryImportError for an unreadable or invalid file, StoreError when the
// store fails; either way nothing is written (one transaction). Re-running
// the import is idempotent.
RegistryImportCounts ImportAddresses(Store& store, const std::filesystem::path& csv);

}  // namespace vikno::conversation
