// `vikno import addresses <csv>`: the registry import (R3) against a real
// SQLite store; all or nothing, errors name the line.
#include "conversation/registry_import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "store/sqlite/sqlite_store.h"

namespace vikno::conversation {
namespace {

namespace fs = std::filesystem;

class RegistryImportTest : public ::testing::Test {
 protected:
  RegistryImportTest() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("vikno-registry-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
    store_ = std::make_unique<SqliteStore>((dir_ / "vikno.sqlite").string());
    store_->Migrate();
  }
  ~RegistryImportTest() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path Write(const std::string& text) {
    fs::path p = dir_ / "addresses.csv";
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string ErrorOf(const std::string& text) {
    try {
      ImportAddresses(*store_, Write(text));
    } catch (const RegistryImportError& e) {
      return e.what();
    }
    return "(no error)";
  }

  fs::path dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(RegistryImportTest, ImportsRowsWithQuotesAndReportsCounts) {
  auto counts = ImportAddresses(
      *store_, Write("\xEF\xBB\xBF"
                     "city,district,street,house,lat,lon\r\n"
                     "Суми,Ковпаківський,вулиця Соборна,12а,50.9077,34.7981\r\n"
                     "Суми,\"Зарічний\",\"проспект \"\"Нова\"\", з комою, 1\",3,,\r\n"
                     "\n"
                     "Суми,,вулиця  Соборна ,12а,50.9,34.8\n"));
  EXPECT_EQ(counts.rows, 3);
  EXPECT_EQ(counts.inserted, 2);
  EXPECT_EQ(counts.duplicates, 1);  // extra spaces do not make a new street
  auto all = store_->ListRegistryAddresses("Суми");
  ASSERT_EQ(all.size(), 2u);
  bool quoted = false;
  for (const auto& a : all) {
    if (a.street == "проспект \"Нова\", з комою, 1") {
      quoted = true;
      EXPECT_FALSE(a.point);
      EXPECT_EQ(a.district, "Зарічний");
    } else {
      EXPECT_EQ(a.street, "вулиця Соборна");
      ASSERT_TRUE(a.point);
      EXPECT_DOUBLE_EQ(a.point->lat, 50.9);  // the later row won
    }
  }
  EXPECT_TRUE(quoted);
}

TEST_F(RegistryImportTest, ReimportUpdatesAndKeepsIds) {
  auto p = Write("city,street,house\nСуми,вулиця Соборна,1\nСуми,вулиця Соборна,2\n");
  auto first = ImportAddresses(*store_, p);
  EXPECT_EQ(first.inserted, 2);
  const auto before = store_->ListRegistryAddresses("Суми");
  auto again = ImportAddresses(*store_, p);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.updated, 2);
  const auto after = store_->ListRegistryAddresses("Суми");
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i].id, after[i].id);
}

TEST_F(RegistryImportTest, ColumnsByNameInAnyOrder) {
  auto counts = ImportAddresses(*store_, Write("House,Street,City,note\n7,вулиця Праці,Суми,x\n"));
  EXPECT_EQ(counts.inserted, 1);
  EXPECT_EQ(store_->ListRegistryAddresses("Суми").at(0).house, "7");
}

TEST_F(RegistryImportTest, ErrorsNameTheLineAndNothingIsWritten) {
  std::string e = ErrorOf(
      "city,district,street,house,lat,lon\n"
      "Суми,,вулиця Соборна,1,50.9,34.8\n"
      "Суми,,,2,50.9,34.8\n"
      "Суми,,вулиця Соборна,3,50,9,34.8\n"
      "Суми,,вулиця Соборна,4,north,34.8\n"
      "Суми,,вулиця Соборна,5,50.9,\n");
  EXPECT_NE(e.find("addresses.csv:3: street: empty"), std::string::npos) << e;
  EXPECT_NE(e.find("addresses.csv:4: 7 fields, the header has 6"), std::string::npos) << e;
  EXPECT_NE(e.find("addresses.csv:5: lat: 'north'"), std::string::npos) << e;
  EXPECT_NE(e.find("addresses.csv:6: lat and lon: give both or neither"), std::string::npos) << e;
  EXPECT_TRUE(store_->ListRegistryAddresses("Суми").empty());  // line 2 was good, still not written
}

TEST_F(RegistryImportTest, BadFilesAreRefusedClearly) {
  EXPECT_NE(ErrorOf("").find("the file is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("city,district,street\nСуми,,вулиця Соборна\n").find("no column 'house'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("city,street,house,lat\nСуми,вулиця Соборна,1,50\n")
                .find("only one of 'lat' and 'lon'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("city,street,house\nСуми,\"вулиця Соборна,1\n")
                .find("addresses.csv:2: a quoted field is not closed"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("city,street,house\nСуми,вулиця \xff\xfe,1\n").find("addresses.csv:2: not UTF-8"),
      std::string::npos);
  EXPECT_NE(ErrorOf("city,street,house\nСуми,\"вулиця\"x,1\n").find("text after a closing quote"),
            std::string::npos);
  EXPECT_NE(ErrorOf("city,street,house,lat,lon\nСуми,вулиця Соборна,1,91,30\n").find("-90..90"),
            std::string::npos);
  std::string missing;
  try {
    ImportAddresses(*store_, dir_ / "nope.csv");
  } catch (const RegistryImportError& e) {
    missing = e.what();
  }
  EXPECT_NE(missing.find("nope.csv: cannot be read"), std::string::npos);
}

TEST_F(RegistryImportTest, LineNumbersCountLineBreaksInsideQuotes) {
  std::string e = ErrorOf("city,street,house\nСуми,\"вулиця\nСоборна\",1\nСуми,,2\n");
  EXPECT_NE(e.find("addresses.csv:4: street: empty"), std::string::npos) << e;
}

TEST_F(RegistryImportTest, TheShippedSumyRegistryImports) {
  auto counts = ImportAddresses(*store_, VIKNO_SOURCE_DIR "/rules/sumy/addresses.csv");
  EXPECT_GT(counts.inserted, 300);
  EXPECT_EQ(counts.duplicates, 0);
  EXPECT_EQ(static_cast<int64_t>(store_->ListRegistryAddresses("Суми").size()), counts.inserted);
}

}  // namespace
}  // namespace vikno::conversation
