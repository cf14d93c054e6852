// A place in the city: a building from the city's address registry, with the
// flat and entrance the resident gives (R3, R5; B3 entrances).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vikno {

struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

struct Address {
  std::optional<int64_t> registry_id;  // the building in the registry, when matched
  std::string city;
  std::string district;  // for analytics by district (R29, 002 §9.1.1)
  std::string street;
  std::string house;
  std::string flat;      // may be empty: a street lamp has no flat
  std::string entrance;  // під'їзд
  std::optional<GeoPoint> point;

  bool empty() const { return !registry_id && street.empty() && house.empty() && !point; }
};

// One building of the registry (imported from CSV, R3).
struct RegistryAddress {
  int64_t id = 0;
  std::string city;
  std::string district;
  std::string street;
  std::string house;
  std::optional<GeoPoint> point;
};

}  // namespace vikno
