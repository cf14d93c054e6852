// Shared set-up of the workflow tests: a real SqliteStore in a temporary
// folder, a clock the test moves, and TestRules, a small RulesPort that
// stands in for the Lua rules so the workflow is tested alone (the real
// rules are exercised by tests/unit/rules and the HTTP integration tests).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/sqlite/sqlite_store.h"
#include "workflow/appeal_service.h"
#include "workflow/rules_port.h"

namespace vikno::testing {

class TestClock final : public Clock {
 public:
  explicit TestClock(Timestamp t) : now_(t) {}
  Timestamp Now() const override { return now_.load(); }
  void Set(Timestamp t) { now_ = t; }
  void Advance(std::chrono::seconds d) { now_ = now_.load() + d; }

 private:
  std::atomic<Timestamp> now_;
};

// Routes by keywords like a tiny city: gas -> emergency for "gas"; "???" ->
// moderation (as a Lua fault or an unmatched text would); everything else ->
// an ordinary roads appeal. Deadlines follow 002 §4.2 and §7.1.
class TestRules final : public RulesPort {
 public:
  Classification Classify(const Appeal& draft) override {
    ++classified;
    Classification c;
    if (draft.description.find("???") != std::string::npos) {
      c.to_moderation = true;
      c.moderation_reason = "no category matched the text";
      return c;
    }
    if (draft.description.find("газ") != std::string::npos) {
      c.category = "gas/leak";
      c.type = "emergency";
      c.executors = {"gas"};
      return c;
    }
    c.category = draft.category.empty() ? "roads/pothole" : draft.category;
    c.type = "ordinary";
    c.executors = {"roads"};
    return c;
  }
  Deadlines ComputeDeadlines(const Appeal& appeal, Timestamp from) override {
    using namespace std::chrono;
    if (appeal.type == "emergency") return {from + minutes(30), from + hours(24)};
    return {from + hours(2), from + days(5)};
  }
  int classified = 0;
};

inline std::filesystem::path FreshTempDir(const std::string& prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline Timestamp At(const char* iso) { return *ParseIso8601(iso); }

class WorkflowTest : public ::testing::Test {
 protected:
  WorkflowTest()
      : dir_(FreshTempDir("vikno-workflow")),
        store_(std::make_unique<SqliteStore>((dir_ / "vikno.sqlite").string())),
        service_(*store_, rules_, clock_) {
    store_->Migrate();
    for (const char* id : {"roads", "gas", "water"}) {
      Executor e;
      e.id = id;
      e.name = std::string("Служба ") + id;
      store_->UpsertExecutor(e);
    }
  }
  ~WorkflowTest() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static Actor Admin() { return Actor{Role::kAdministrator, "admin-1", "10.0.0.1", {}}; }
  static Actor Operator() { return Actor{Role::kOperator, "op-1", "10.0.0.2", {}}; }
  static Actor ModeratorOf(std::string service) {
    return Actor{Role::kModerator, "mod-" + service, "10.0.0.3", {std::move(service)}};
  }
  static Actor ExecutorOf(std::string service) {
    return Actor{Role::kExecutor, "exe-" + service, "10.0.0.4", {std::move(service)}};
  }
  static Actor ResidentActor(const std::string& id) {
    return Actor{Role::kResident, id, "10.0.0.5", {}};
  }

  static NewAppeal Draft(std::string text = "Яма на дорозі біля школи") {
    NewAppeal in;
    in.description = std::move(text);
    in.channel = "web";
    in.address.city = "Суми";
    in.address.street = "вул. Соборна";
    in.address.house = "1";
    return in;
  }

  Appeal MustCreate(const NewAppeal& in, const Actor& actor) {
    auto r = service_.Create(in, actor);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.refusal().code + ": " + r.refusal().message);
    return r.ok() ? r.value() : Appeal{};
  }

  std::filesystem::path dir_;
  TestRules rules_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<SqliteStore> store_;
  AppealService service_;
};

}  // namespace vikno::testing
