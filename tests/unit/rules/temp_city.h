// A throw-away city folder for engine tests: city.lua built from a base and
// the snippet under test, removed at the end of the test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace vikno::rules::testing {

inline const char* kBaseCity = R"lua(city { name = "Тест", timezone = "Europe/Kyiv" }
executor { id = "water", name = "КП «Вода»" }
executor { id = "roads", name = "КП «Дороги»" }
appeal_type { id = "ordinary", accept = "2h", resolve = "5d" }
appeal_type { id = "emergency", accept = "30m", resolve = "24h" }
category { id = "water", name = "Вода", executor = "water", type = "emergency", keywords = { "вод" } }
category { id = "roads", name = "Дороги", executor = "roads", type = "ordinary", keywords = { "ям" } }
)lua";

class TempCity {
 public:
  TempCity() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vikno-city-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    root_ = made ? made : "";
    dir_ = root_ + "/city";
    std::filesystem::create_directories(dir_);
  }
  ~TempCity() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  // Writes city.lua: the base declarations (lines 1-7) and then `body`
  // starting on line 8.
  void WriteCity(const std::string& body) { Write("city.lua", std::string(kBaseCity) + body); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::binary | std::ios::trunc) << text;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string root_, dir_;
};

}  // namespace vikno::rules::testing
