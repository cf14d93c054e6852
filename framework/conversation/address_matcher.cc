#include "conversation/address_matcher.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "conversation/utf8.h"
#include "rules/text.h"

namespace vikno::conversation {
namespace {

// Latin letters that look like Cyrillic ones on a phone keyboard, and the
// Russian-only letters a resident with a Russian layout types for the nearest
// Ukrainian ones. Applied after case folding.
char32_t MapLookAlike(char32_t c) {
  switch (c) {
    case U'a':
      return U'а';
    case U'e':
      return U'е';
    case U'i':
      return U'і';
    case U'o':
      return U'о';
    case U'p':
      return U'р';
    case U'c':
      return U'с';
    case U'x':
      return U'х';
    case U'y':
      return U'у';
    case U'k':
      return U'к';
    case U'm':
      return U'м';
    case U't':
      return U'т';
    case U'h':
      return U'н';
    case U'b':
      return U'в';
    case U'ы':
      return U'и';
    case U'э':
      return U'е';
    case U'ё':
      return U'е';
    case U'ъ':
      return U'\'';
    default:
      return c;
  }
}

bool IsLetter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= 0x0430 && c <= 0x045F) || c == 0x0491;
}
bool IsDigit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool IsAlnum(char32_t c) { return IsLetter(c) || IsDigit(c); }

// Folded, look-alikes mapped, as code points.
std::u32string Prepare(std::string_view text) {
  std::u32string s = ToU32(rules::FoldCase(text));
  for (auto& c : s) c = MapLookAlike(c);
  return s;
}

// Runs of letters and digits; an apostrophe, a hyphen or a slash joins two
// runs into one token ("кам'янська", "пр-т", "12-а", "12/1"). Everything else
// separates. `comma_before` tells whether a comma preceded the token.
struct Token {
  std::u32string text;
  bool comma_before = false;
};

std::vector<Token> Tokenize(const std::u32string& s) {
  std::vector<Token> out;
  std::u32string cur;
  bool comma = false;
  auto flush = [&] {
    if (cur.empty()) return;
    out.push_back(Token{std::move(cur), comma});
    cur.clear();
    comma = false;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (IsAlnum(c)) {
      cur.push_back(c);
    } else if ((c == U'\'' || c == U'-' || c == U'/') && !cur.empty() && i + 1 < s.size() &&
               IsAlnum(s[i + 1])) {
      cur.push_back(c);
    } else {
      flush();
      if (c == U',' || c == U';') comma = true;
    }
  }
  flush();
  return out;
}

std::u32string Without(std::u32string s, char32_t drop) {
  s.erase(std::remove(s.begin(), s.end(), drop), s.end());
  return s;
}

bool StartsWithDigit(const std::u32string& s) { return !s.empty() && IsDigit(s[0]); }
bool AllDigits(const std::u32string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}
bool IsSingleLetter(const std::u32string& s) { return s.size() == 1 && IsLetter(s[0]); }

// Street-type words and their abbreviations -> the canonical type.
const std::unordered_map<std::u32string, std::string>& StreetTypes() {
  static const auto* kTypes = new std::unordered_map<std::u32string, std::string>{
      {U"вул", "вулиця"},      {U"вулиця", "вулиця"},     {U"вулиці", "вулиця"},
      {U"ул", "вулиця"},       {U"улица", "вулиця"},      {U"вулица", "вулиця"},
      {U"просп", "проспект"},  {U"проспект", "проспект"}, {U"пр-т", "проспект"},
      {U"пр-кт", "проспект"},  {U"пркт", "проспект"},     {U"пр", "проспект"},
      {U"пров", "провулок"},   {U"провулок", "провулок"}, {U"пров-к", "провулок"},
      {U"пер", "провулок"},    {U"переулок", "провулок"}, {U"бульв", "бульвар"},
      {U"бульвар", "бульвар"}, {U"б-р", "бульвар"},       {U"бул", "бульвар"},
      {U"пл", "площа"},        {U"площа", "площа"},       {U"площадь", "площа"},
      {U"майдан", "майдан"},   {U"м-н", "майдан"},        {U"шосе", "шосе"},
      {U"узвіз", "узвіз"},     {U"узв", "узвіз"},         {U"тупик", "тупик"},
      {U"туп", "тупик"},       {U"проїзд", "проїзд"},     {U"пр-д", "проїзд"},
  };
  return *kTypes;
}

enum class Marker { kNone, kHouse, kFlat, kEntrance, kBlock, kCity };

Marker MarkerOf(const std::u32string& token) {
  static const auto* kMarkers = new std::unordered_map<std::u32string, Marker>{
      {U"буд", Marker::kHouse},    {U"будинок", Marker::kHouse},    {U"д", Marker::kHouse},
      {U"дім", Marker::kHouse},    {U"кв", Marker::kFlat},          {U"квартира", Marker::kFlat},
      {U"кв-ра", Marker::kFlat},   {U"підїзд", Marker::kEntrance},  {U"під", Marker::kEntrance},
      {U"п", Marker::kEntrance},   {U"подъезд", Marker::kEntrance}, {U"корп", Marker::kBlock},
      {U"корпус", Marker::kBlock}, {U"м", Marker::kCity},           {U"місто", Marker::kCity},
  };
  auto it = kMarkers->find(Without(token, U'\''));
  return it == kMarkers->end() ? Marker::kNone : it->second;
}

std::string HouseOf(std::u32string token) {
  // "12-а" -> "12а"; a hyphen between digits stays ("12-1" is rare but real).
  std::u32string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == U'-' && i + 1 < token.size() && IsLetter(token[i + 1])) continue;
    if (token[i] == U'\'') continue;
    out.push_back(token[i]);
  }
  return ToUtf8(out);
}

// A street name's words -> the key: apostrophes dropped, hyphens as spaces.
std::string KeyOf(const std::vector<std::u32string>& words) {
  std::u32string key;
  for (const auto& w : words) {
    for (char32_t c : w) {
      if (c == U'\'') continue;
      if (c == U'-') c = U' ';
      key.push_back(c);
    }
    key.push_back(U' ');
  }
  while (!key.empty() && key.back() == U' ') key.pop_back();
  return ToUtf8(key);
}

std::vector<std::u32string> SplitKey(const std::u32string& key) {
  std::vector<std::u32string> words;
  std::u32string cur;
  for (char32_t c : key) {
    if (c == U' ') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

// The shorter names of a multi-word key: each proper suffix of its words
// ("тараса шевченка" -> "шевченка"), when it is long enough to mean something.
std::vector<std::u32string> Suffixes(const std::u32string& key) {
  std::vector<std::u32string> out;
  auto words = SplitKey(key);
  for (size_t from = 1; from < words.size(); ++from) {
    std::u32string s;
    for (size_t k = from; k < words.size(); ++k) {
      if (!s.empty()) s.push_back(U' ');
      s += words[k];
    }
    if (s.size() >= 4) out.push_back(std::move(s));
  }
  return out;
}

// Penalties of the ranking (lower is better). An edit costs the most: a
// typo is the likeliest way to propose the wrong street.
constexpr int kPerEdit = 10;
constexpr int kAliasPenalty = 2;       // the street named by its last word(s)
constexpr int kTypeMismatch = 3;       // "провулок" typed, "вулиця" found
constexpr int kHouseBaseFallback = 6;  // "12а" typed, only "12" in the registry

}  // namespace

int AllowedEdits(size_t length) {
  if (length <= 3) return 0;
  if (length <= 5) return 1;
  if (length <= 10) return 2;
  return 3;
}

int EditDistance(std::u32string_view a, std::u32string_view b, int max) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > max) return max + 1;
  // Three rows: the optimal string alignment variant needs the row before
  // the previous one for transpositions ("сорбона" -> "соборна" is 1).
  std::vector<int> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max) return max + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], max + 1);
}

StreetName NormalizeStreet(std::string_view street) {
  StreetName out;
  std::vector<std::u32string> words;
  for (auto& t : Tokenize(Prepare(street))) {
    auto type = StreetTypes().find(t.text);
    if (type != StreetTypes().end() && out.type.empty()) {
      out.type = type->second;
      continue;
    }
    words.push_back(std::move(t.text));
  }
  out.key = KeyOf(words);
  return out;
}

std::string NormalizeHouse(std::string_view house) {
  auto tokens = Tokenize(Prepare(house));
  std::string out;
  for (auto& t : tokens) {
    if (MarkerOf(t.text) == Marker::kHouse) continue;
    out += HouseOf(t.text);  // "12 а" -> "12а"
  }
  return out;
}

ParsedAddress ParseAddress(std::string_view text, const std::vector<std::string>& city_names) {
  ParsedAddress out;
  auto tokens = Tokenize(Prepare(text));

  // A leading "м. Суми" / "Суми," is the city, not the street.
  size_t start = 0;
  if (start < tokens.size() && MarkerOf(tokens[start].text) == Marker::kCity) ++start;
  for (const auto& city : city_names) {
    auto city_words = SplitKey(ToU32(city));
    if (city_words.empty() || start + city_words.size() > tokens.size()) continue;
    bool same = true;
    for (size_t k = 0; k < city_words.size() && same; ++k)
      same = tokens[start + k].text == city_words[k];
    // Only when something follows: "Суми" alone may be a street elsewhere.
    if (same && start + city_words.size() < tokens.size()) {
      start += city_words.size();
      break;
    }
  }

  // Classify: markers take the token after them; the rest are words or
  // numbers in order.
  struct Item {
    std::u32string text;
    bool comma_before;
  };
  std::vector<Item> items;
  std::string block;  // "корп. 3": joined to the house as "12/3" once it is known
  for (size_t i = start; i < tokens.size(); ++i) {
    const auto& t = tokens[i].text;
    if (auto type = StreetTypes().find(t); type != StreetTypes().end()) {
      if (out.street_type.empty()) out.street_type = type->second;
      continue;
    }
    Marker marker = MarkerOf(t);
    bool next_is_number = i + 1 < tokens.size() && StartsWithDigit(tokens[i + 1].text);
    if (marker != Marker::kNone && marker != Marker::kCity && next_is_number) {
      std::u32string value = tokens[++i].text;
      // "буд. 12 а": a lone letter after the number belongs to it.
      if (marker == Marker::kHouse && i + 1 < tokens.size() && IsSingleLetter(tokens[i + 1].text) &&
          MarkerOf(tokens[i + 1].text) == Marker::kNone)
        value += tokens[++i].text;
      switch (marker) {
        case Marker::kHouse:
          out.house = HouseOf(value);
          break;
        case Marker::kFlat:
          out.flat = ToUtf8(Without(value, U'-'));
          break;
        case Marker::kEntrance:
          out.entrance = ToUtf8(value);
          break;
        case Marker::kBlock:
          block = ToUtf8(value);
          break;
        default:
          break;
      }
      continue;
    }
    if (marker == Marker::kCity || marker == Marker::kHouse) continue;  // a stray marker
    if (marker != Marker::kNone && !StartsWithDigit(t)) continue;
    items.push_back(Item{t, tokens[i].comma_before});
  }

  // The house is the first number after the first word of the name; numbers
  // before that word belong to the name ("вулиця 20 років Перемоги, 5")
  // unless a comma sets them apart ("12, Соборна"). A second bare number is
  // the flat ("Соборна 12, 5"); "12-5" is house 12, flat 5. Words after the
  // house ("біля магазину") are not part of the name.
  size_t first_word = items.size();
  for (size_t i = 0; i < items.size(); ++i)
    if (!StartsWithDigit(items[i].text)) {
      first_word = i;
      break;
    }
  const bool leading_numbers_are_name =
      first_word < items.size() && !items[first_word].comma_before;
  std::vector<std::u32string> name;
  std::optional<size_t> house_at;
  auto take_house = [&](size_t& i) {
    const auto& t = items[i].text;
    auto dash = t.find(U'-');
    if (dash != std::u32string::npos && AllDigits(t.substr(0, dash)) &&
        AllDigits(t.substr(dash + 1))) {
      out.house = ToUtf8(t.substr(0, dash));
      if (out.flat.empty()) out.flat = ToUtf8(t.substr(dash + 1));
    } else {
      std::u32string value = t;
      if (i + 1 < items.size() && IsSingleLetter(items[i + 1].text)) value += items[++i].text;
      out.house = HouseOf(value);
    }
  };
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& t = items[i].text;
    const bool numeric = StartsWithDigit(t);
    if (i < first_word) {  // numbers before any word
      if (leading_numbers_are_name) {
        name.push_back(t);
      } else if (out.house.empty()) {
        take_house(i);
        house_at = i;
      }
      continue;
    }
    if (!numeric) {
      if (!house_at || *house_at < first_word) name.push_back(t);
      continue;
    }
    if (!house_at || *house_at < first_word) {  // the first number after the name
      if (out.house.empty()) {
        take_house(i);
      } else if (out.flat.empty() && AllDigits(t)) {  // the house came with a marker
        out.flat = ToUtf8(t);
      }
      house_at = i;
    } else if (out.flat.empty() && AllDigits(t)) {
      out.flat = ToUtf8(t);
    }
  }
  if (!block.empty() && !out.house.empty()) out.house += "/" + block;
  out.street_key = KeyOf(name);
  return out;
}

std::string AddressCandidate::Display() const {
  std::string s = building.city;
  if (!s.empty()) s += ", ";
  s += building.street;
  s += ", ";
  s += building.house;
  return s;
}

AddressMatcher::AddressMatcher(const std::vector<RegistryAddress>& registry)
    : buildings_(registry) {
  std::unordered_map<std::string, size_t> street_index;  // city \x1f display -> streets_
  std::set<std::string> cities;
  for (size_t b = 0; b < buildings_.size(); ++b) {
    const auto& building = buildings_[b];
    std::string id = building.city + '\x1f' + building.street;
    auto it = street_index.find(id);
    if (it == street_index.end()) {
      StreetName name = NormalizeStreet(building.street);
      if (name.key.empty()) continue;  // a registry row with no name cannot be matched
      Street street{building.city, building.street, name.type, {}};
      streets_.push_back(std::move(street));
      it = street_index.emplace(id, streets_.size() - 1).first;
      auto key = key_index_.find(name.key);
      if (key == key_index_.end()) {
        keys_.push_back(Key{name.key, ToU32(name.key), {}});
        key = key_index_.emplace(name.key, keys_.size() - 1).first;
      }
      keys_[key->second].streets.push_back(it->second);
      cities.insert(NormalizeStreet(building.city).key);
    }
    streets_[it->second].houses.emplace(NormalizeHouse(building.house), b);
  }
  for (size_t k = 0; k < keys_.size(); ++k)
    for (auto& alias : Suffixes(keys_[k].key32)) {
      std::string a = ToUtf8(alias);
      if (key_index_.count(a)) continue;  // a street of its own has that name
      auto [it, fresh] = aliases_.try_emplace(a);
      if (fresh) alias_list_.emplace_back(a, alias);
      it->second.push_back(k);
    }
  city_names_.assign(cities.begin(), cities.end());
}

void AddressMatcher::AddHit(const Key& key, int street_score, const ParsedAddress& parsed,
                            std::vector<AddressCandidate>& out,
                            std::vector<std::pair<int, std::string>>& streets) const {
  for (size_t s : key.streets) {
    const Street& street = streets_[s];
    int score = street_score;
    if (!parsed.street_type.empty() && parsed.street_type != street.type) score += kTypeMismatch;
    if (parsed.house.empty()) {
      streets.emplace_back(score, street.display);
      continue;
    }
    auto house = street.houses.find(parsed.house);
    if (house != street.houses.end()) {
      out.push_back(AddressCandidate{buildings_[house->second], score});
      continue;
    }
    // "12а" or "12/1" typed, the registry only has "12": offer it, lower.
    size_t digits = 0;
    while (digits < parsed.house.size() && parsed.house[digits] >= '0' &&
           parsed.house[digits] <= '9')
      ++digits;
    if (digits > 0 && digits < parsed.house.size()) {
      house = street.houses.find(parsed.house.substr(0, digits));
      if (house != street.houses.end()) {
        out.push_back(AddressCandidate{buildings_[house->second], score + kHouseBaseFallback});
        continue;
      }
    }
    streets.emplace_back(score, street.display);
  }
}

MatchResult AddressMatcher::Match(std::string_view text, size_t limit) const {
  MatchResult result;
  result.parsed = ParseAddress(text, city_names_);
  const ParsedAddress& parsed = result.parsed;
  if (parsed.street_key.empty()) return result;

  // Street keys that match, with their street score; exact first.
  std::vector<std::pair<int, size_t>> hits;  // score, keys_ index
  const std::u32string query = ToU32(parsed.street_key);
  const int allowed = AllowedEdits(query.size());
  if (auto it = key_index_.find(parsed.street_key); it != key_index_.end()) {
    hits.emplace_back(0, it->second);
  } else {
    for (size_t k = 0; k < keys_.size(); ++k) {
      int d = EditDistance(query, keys_[k].key32, allowed);
      if (d <= allowed) hits.emplace_back(d * kPerEdit, k);
    }
  }
  // The street named by its last word(s), and the query without initials
  // ("т. шевченка" -> "шевченка").
  std::vector<std::u32string> queries{query};
  auto words = SplitKey(query);
  std::vector<std::u32string> kept;
  for (auto& w : words)
    if (w.size() > 1) kept.push_back(w);
  if (kept.size() != words.size() && !kept.empty()) {
    std::u32string q;
    for (auto& w : kept) q += (q.empty() ? U"" : U" ") + w;
    queries.push_back(q);
    if (auto it = key_index_.find(ToUtf8(q)); it != key_index_.end())
      hits.emplace_back(kAliasPenalty, it->second);
  }
  for (const auto& q : queries) {
    int q_allowed = AllowedEdits(q.size());
    for (const auto& [alias, alias32] : alias_list_) {
      int d = EditDistance(q, alias32, q_allowed);
      if (d > q_allowed) continue;
      for (size_t k : aliases_.at(alias)) hits.emplace_back(kAliasPenalty + d * kPerEdit, k);
    }
  }
  // Best score per key.
  std::sort(hits.begin(), hits.end());
  std::set<size_t> seen;
  std::vector<std::pair<int, std::string>> streets;
  for (const auto& [score, k] : hits) {
    if (!seen.insert(k).second) continue;
    AddHit(keys_[k], score, parsed, result.candidates, streets);
  }
  std::stable_sort(result.candidates.begin(), result.candidates.end(),
                   [](const AddressCandidate& a, const AddressCandidate& b) {
                     if (a.score != b.score) return a.score < b.score;
                     return a.building.street < b.building.street;
                   });
  if (result.candidates.size() > limit) result.candidates.resize(limit);
  if (result.candidates.empty()) {
    std::stable_sort(streets.begin(), streets.end());
    std::set<std::string> named;
    for (auto& [score, display] : streets)
      if (named.insert(display).second && result.streets_without_house.size() < limit)
        result.streets_without_house.push_back(display);
  }
  return result;
}

}  // namespace vikno::conversation
