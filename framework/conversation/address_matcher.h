// Matching what a resident types ("вул. Соборна, 12а, кв. 5") against the
// city's address registry (R3, 000 §3.1-3.2): the bot proposes "city, street,
// house" from the registry and the resident answers yes or no.
//
// Residents type on phones, in a hurry, sometimes with a Russian or Latin
// keyboard layout half switched on. The matcher therefore:
//  - folds case (Cyrillic included) and every apostrophe variant, then drops
//    apostrophes from street names: "Кам’янська", "Кам'янська", "Камянська"
//    are one street;
//  - replaces Latin look-alike letters by Cyrillic ones ("Coбopнa" has Latin
//    C, o, p, a) and the Russian-only letters by their nearest Ukrainian ones;
//  - recognises street-type words and their abbreviations (вул., просп., пр-т,
//    пров., бульв., пл., майдан, шосе, узвіз...) and keeps them apart from
//    the name, so "Шевченка" finds "проспект Шевченка" and the type, when
//    given, only breaks ties;
//  - reads house numbers with letters and slashes ("12а", "12-А", "12 А",
//    "12/1"), house markers ("буд.", "будинок", "д.", "№"), the flat ("кв. 5")
//    and the entrance ("під'їзд 2", B3);
//  - tolerates typos: Damerau-Levenshtein within a distance scaled by the
//    name's length, and a street named by its last word(s) only ("Крут" for
//    "Героїв Крут").
//
// Speed: buildings are grouped by normalised street name; a query costs one
// hash lookup, or an edit-distance scan over the DISTINCT street names (a few
// thousand even for a city of 50,000 buildings), never a scan of buildings.
//
// Thread-safety: immutable after construction; Match may be called from any
// number of threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/address.h"

namespace vikno::conversation {

// What the resident typed, taken apart.
struct ParsedAddress {
  std::string street_type;  // canonical: "вулиця", "проспект"...; empty when not given
  std::string street_key;  // normalised name without the type: "кам'янська" -> "камянська"
  std::string house;     // normalised: "12а", "12/1"; empty when none was found
  std::string flat;      // as typed after "кв.", digits and letters only
  std::string entrance;  // after "під'їзд" / "п."
};

// Takes a free-text address apart. Never fails: missing parts stay empty.
// `city_names` are normalised city names to ignore at the start ("Суми, ...").
ParsedAddress ParseAddress(std::string_view text, const std::vector<std::string>& city_names = {});

// The normalisation applied to a registry street: {type, key}.
struct StreetName {
  std::string type;
  std::string key;
};
StreetName NormalizeStreet(std::string_view street);

// "12-А" -> "12а", "12 а" -> "12а", "12/1" -> "12/1", Latin letters mapped.
std::string NormalizeHouse(std::string_view house);

// The Damerau-Levenshtein (optimal string alignment) distance between two
// code-point strings; stops early and returns max+1 once it exceeds `max`.
int EditDistance(std::u32string_view a, std::u32string_view b, int max);

// The largest number of edits tolerated in a street name of `length` code
// points: short names must be nearly exact or everything matches everything.
int AllowedEdits(size_t length);

struct AddressCandidate {
  RegistryAddress building;
  int score = 0;  // lower is better; 0 is an exact match of street and house
  // "Суми, вулиця Соборна, 12": the form the bot proposes (000 §3.1).
  std::string Display() const;
};

struct MatchResult {
  ParsedAddress parsed;
  std::vector<AddressCandidate> candidates;  // best first
  // Streets that matched when no building did (the house is not in the
  // registry), display names, best first: lets the bot say which street it
  // understood and ask for the house again.
  std::vector<std::string> streets_without_house;
};

class AddressMatcher {
 public:
  // `registry` may hold several cities; each building is matched within its
  // own city's street list, and the city names are skipped in the input.
  explicit AddressMatcher(const std::vector<RegistryAddress>& registry);

  // The best candidates for `text`, at most `limit`.
  MatchResult Match(std::string_view text, size_t limit = 3) const;

  size_t building_count() const { return buildings_.size(); }
  size_t street_count() const { return streets_.size(); }

 private:
  // One street of one city with one type: "Суми" "вулиця Соборна".
  struct Street {
    std::string city;
    std::string display;  // as in the registry
    std::string type;
    std::unordered_map<std::string, size_t> houses;  // normalised house -> building index
  };
  // All streets sharing a normalised name (e.g. вулиця and провулок Шевченка).
  struct Key {
    std::string key;
    std::u32string key32;
    std::vector<size_t> streets;
  };

  void AddHit(const Key& key, int street_score, const ParsedAddress& parsed,
              std::vector<AddressCandidate>& out,
              std::vector<std::pair<int, std::string>>& streets) const;

  std::vector<RegistryAddress> buildings_;
  std::vector<Street> streets_;
  std::vector<Key> keys_;
  std::unordered_map<std::string, size_t> key_index_;  // key -> keys_ index
  // Shorter names a street is also known by: the last word or words of a
  // multi-word name ("героїв крут" -> "крут"), key -> keys_ indexes.
  std::unordered_map<std::string, std::vector<size_t>> aliases_;
  std::vector<std::pair<std::string, std::u32string>> alias_list_;
  std::vector<std::string> city_names_;  // normalised
};

}  // namespace vikno::conversation
